package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.FloatTensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputEncoderPaddingTest {
    private static List<ModelRunner.BatchOutput> scores(long rows, float[] values) {
        return List.of(new ModelRunner.BatchOutput(List.of(new FloatTensor(new long[] {rows, values.length / rows}, values)),
                Arrays.asList((long[]) null), List.of("y")));
    }

    private static List<ModelRunner.BatchOutput> labels(long... values) {
        float[] f = new float[values.length];
        return List.of(new ModelRunner.BatchOutput(List.of(new FloatTensor(new long[] {values.length}, f)), List.of(values), List.of("label")));
    }

    @Test
    void topKPaddedLengthDoesNotDependOnTheScores() throws Exception {
        var a = Encoding.encode(OutputPolicy.topK(2), scores(2, new float[] {0.5f, 0.25f, 1f, 0f}), 2);
        var b = Encoding.encode(OutputPolicy.topK(2), scores(2, new float[] {1.2345678e-30f, -3.4028235e38f, 0.1f, 7.654321e-12f}), 2);
        assertThat(a.bytes().length).isNotEqualTo(b.bytes().length);
        assertThat(b.paddedLength()).isEqualTo(a.paddedLength()).isGreaterThanOrEqualTo(b.bytes().length);
        var threeRows = Encoding.encode(OutputPolicy.topK(2), scores(3, new float[6]), 3);
        var fourRows = Encoding.encode(OutputPolicy.topK(2), scores(4, new float[8]), 4);
        assertThat(threeRows.paddedLength()).as("rows rounded up to a power of two").isEqualTo(fourRows.paddedLength());
    }

    @Test
    void labelPaddedLengthDoesNotDependOnTheLabelsDigits() throws Exception {
        var small = Encoding.encode(OutputPolicy.labels(), labels(1, 2), 2);
        var large = Encoding.encode(OutputPolicy.labels(), labels(Long.MIN_VALUE, 73519), 2);
        assertThat(large.paddedLength()).isEqualTo(small.paddedLength()).isGreaterThanOrEqualTo(large.bytes().length);
    }

    /** The host watches the encrypted spool's file grow: its size must not tell the labels' digits either. */
    @Test
    void spoolSizeOnTheHostsDiskDoesNotDependOnTheLabelsDigits() throws Exception {
        var small = Encoding.encode(OutputPolicy.labels(), labels(1, 2), 2);
        var large = Encoding.encode(OutputPolicy.labels(), labels(Long.MIN_VALUE, 73519), 2);
        assertThat(large.bytes().length).isGreaterThan(small.bytes().length);
        assertThat(large.spoolBytes()).isEqualTo(small.spoolBytes());
        var shortTopK = Encoding.encode(OutputPolicy.topK(2), scores(2, new float[] {0.5f, 0.25f, 1f, 0f}), 2);
        var longTopK = Encoding.encode(OutputPolicy.topK(2), scores(2, new float[] {1.2345678e-30f, -3.4028235e38f, 0.1f, 7.654321e-12f}), 2);
        assertThat(longTopK.spoolBytes()).isEqualTo(shortTopK.spoolBytes());
    }

    @Test
    void hostileModelCannotChooseTheNumberOfLabelLinesFromTheData() {
        assertThatThrownBy(() -> Encoding.encode(OutputPolicy.labels(), labels(new long[73519]), 1))
                .isInstanceOf(InferenceException.class)
                .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(FailureCode.INFERENCE_FAILED));
    }
}
