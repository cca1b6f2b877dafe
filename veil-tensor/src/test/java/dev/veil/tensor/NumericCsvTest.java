package dev.veil.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NumericCsvTest {
    @Test
    void readsRowsSkippingHeaderAndBlankLines() throws Exception {
        FloatTensor t = NumericCsv.read("a,b,c\n1,2,3\n\n4.5, -6 ,7e1\n".getBytes());
        assertThat(t.shape()).containsExactly(2, 3);
        assertThat(t.values()).containsExactly(1, 2, 3, 4.5f, -6, 70);
    }

    @Test
    void dropsALabelColumn() throws Exception {
        FloatTensor t = NumericCsv.read("1,2,9\n3,4,8\n".getBytes(), 2);
        assertThat(t.shape()).containsExactly(2, 2);
        assertThat(t.values()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void badRowsAreNamedByLineAndColumn() {
        assertThatThrownBy(() -> NumericCsv.read("1,2\n3\n".getBytes())).hasMessage("CSV line 2 has 1 columns, expected 2");
        assertThatThrownBy(() -> NumericCsv.read("1,2\n3,x\n".getBytes())).hasMessage("CSV line 2 column 2 is 'x', expected a number");
        assertThatThrownBy(() -> NumericCsv.read("1,NaN\n".getBytes())).hasMessageContaining("not a finite number");
        assertThatThrownBy(() -> NumericCsv.read("h1,h2\n".getBytes())).hasMessage("CSV holds no data rows");
        assertThatThrownBy(() -> NumericCsv.read(new byte[0])).hasMessage("CSV holds no data rows");
    }

    @Test
    void labelsRoundTrip() throws Exception {
        assertThat(NumericCsv.readLabels(NumericCsv.writeLabels(new long[] {3, 0, 9}))).containsExactly(3, 0, 9);
    }
}
