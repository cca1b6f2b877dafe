package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract's output policy on an executor's run, by the batch session's encoder: what the data provider gets. */
class PolicyOutputsTest {
    /** Two rows of three class scores, and an int64 output that is not the scores' argmax. */
    private static final NamedTensors RUN = new NamedTensors(List.of(
            Tensor.ofFloats("probabilities", new long[] {2, 3}, new float[] {0.1f, 0.7f, 0.2f, 0.6f, 0.3f, 0.1f}),
            Tensor.ofFloats("logits", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})));

    @Test
    void labelsGiveOneClassIndexPerRowAndNoScores() throws Exception {
        NamedTensors got = PolicyOutputs.apply(OutputPolicy.labels(), RUN, 2);
        assertThat(got.names()).containsExactly(PolicyOutputs.LABEL);
        assertThat(got.get(PolicyOutputs.LABEL).type()).isEqualTo(ElementType.INT64);
        assertThat(got.get(PolicyOutputs.LABEL).longs()).containsExactly(1, 0);
    }

    @Test
    void labelsPreferTheModelsInt64Output() throws Exception {
        NamedTensors run = new NamedTensors(List.of(Tensor.ofLongs("label", new long[] {2}, new long[] {7, 9}), RUN.tensors().get(0)));
        assertThat(PolicyOutputs.apply(OutputPolicy.labels(), run, 2).get(PolicyOutputs.LABEL).longs()).containsExactly(7, 9);
    }

    @Test
    void topKGivesTheKBestClassesAndTheirScoresOnly() throws Exception {
        NamedTensors got = PolicyOutputs.apply(OutputPolicy.topK(2), RUN, 2);
        assertThat(got.names()).containsExactly(PolicyOutputs.CLASS, PolicyOutputs.SCORE);
        assertThat(got.get(PolicyOutputs.CLASS).longs()).containsExactly(1, 2, 0, 1);
        assertThat(got.get(PolicyOutputs.SCORE).floats()).containsExactly(0.7f, 0.2f, 0.6f, 0.3f);
        assertThat(got.get(PolicyOutputs.SCORE).shape()).containsExactly(2, 2);
    }

    @Test
    void scoresGiveTheFirstOutputAlone() throws Exception {
        NamedTensors got = PolicyOutputs.apply(OutputPolicy.scores(), RUN, 2);
        assertThat(got.names()).containsExactly(PolicyOutputs.SCORES);
        assertThat(got.get(PolicyOutputs.SCORES).floats()).containsExactly(RUN.tensors().get(0).floats());
    }

    @Test
    void npzGivesEveryOutput() throws Exception {
        assertThat(PolicyOutputs.apply(OutputPolicy.npz(), RUN, 2)).isSameAs(RUN);
    }

    @Test
    void aModelGivingAnotherRowCountThanItWasFedIsRefused() {
        assertThatThrownBy(() -> PolicyOutputs.apply(OutputPolicy.labels(), RUN, 3))
                .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.INFERENCE_FAILED));
    }
}
