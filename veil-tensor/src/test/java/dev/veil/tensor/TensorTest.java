package dev.veil.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The typed tensor's own rules: sizes, bool bytes, names, and cutting and joining rows. */
class TensorTest {
    @Test
    void dataMustBeExactlyWhatTheShapeAndTypeNeed() {
        assertThatThrownBy(() -> new Tensor("x", ElementType.INT64, new long[] {2, 2}, new byte[31]))
                .hasMessage("tensor 'x' of int64 [2, 2] needs 32 bytes, got 31");
        assertThat(new Tensor("s", ElementType.FLOAT16, new long[0], new byte[2]).elementCount()).isEqualTo(1);
    }

    @Test
    void boolHoldsOnlyZeroAndOne() {
        assertThatThrownBy(() -> new Tensor("m", ElementType.BOOL, new long[] {2}, new byte[] {1, (byte) 0xff}))
                .hasMessage("tensor 'm' is bool but holds a byte other than 0 or 1");
    }

    @Test
    void namesWithControlCharactersAreRefused() {
        assertThatThrownBy(() -> new Tensor("a\nb", ElementType.UINT8, new long[] {1}, new byte[1]))
                .hasMessage("tensor name 'a?b' holds a control or formatting character");
    }

    @Test
    void rowsCutAndJoinBackToTheSameTensor() {
        Tensor t = Tensor.ofLongs("ids", new long[] {5, 2}, new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        Tensor joined = Tensor.concatRows(List.of(t.rows(0, 2), t.rows(2, 3), t.rows(3, 5)));
        assertThat(joined.shape()).containsExactly(5, 2);
        assertThat(joined.longs()).containsExactly(t.longs());
        assertThat(t.rows(1, 1).shape()).containsExactly(0, 2);
    }

    @Test
    void onlyTensorsOfOneNameTypeAndRowShapeJoin() {
        Tensor a = Tensor.ofFloats("x", new long[] {1, 2}, new float[2]);
        assertThatThrownBy(() -> Tensor.concatRows(List.of(a, Tensor.ofFloats("x", new long[] {1, 3}, new float[3]))))
                .hasMessage("tensor 'x' float32 [1, 3] cannot be joined to 'x' float32 [1, 2] along the first axis");
        assertThatThrownBy(() -> Tensor.concatRows(List.of(a, Tensor.ofLongs("x", new long[] {1, 2}, new long[2]))))
                .hasMessageContaining("cannot be joined");
    }
}
