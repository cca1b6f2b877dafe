package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Against a real model from testdata/models: PaddleOCR's text-direction classifier, float [N,3,48,W] → [N,2]. */
class ModelRunnerTest {
    static byte[] model() throws Exception {
        return Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
    }

    @Test
    void batchesGiveTheSameScoresAsOneCallAndPoliciesEncodeThem() throws Exception {
        float[] v = new float[7 * 3 * 48 * 192];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i * 0.001);
        }
        FloatTensor input = new FloatTensor(new long[] {7, 3, 48, 192}, v);
        try (ModelRunner r = new ModelRunner(model(), Signatures.of(model()), 1)) {
            var batched = Encoding.runAll(r, input, 3);
            assertThat(batched).hasSize(3);
            FloatTensor scores = Npy.read(Encoding.encode(OutputPolicy.scores(), batched, 3, 3, 1).bytes());
            assertThat(scores.shape()).containsExactly(7, 2);
            String labels = new String(Encoding.encode(OutputPolicy.labels(), batched, 3, 3, 1).bytes());
            assertThat(labels.split("\n")).hasSize(7).allMatch(l -> l.equals("0") || l.equals("1"));
            for (int row = 0; row < 7; row++) {
                int best = scores.values()[row * 2 + 1] > scores.values()[row * 2] ? 1 : 0;
                assertThat(labels.split("\n")[row]).isEqualTo(Integer.toString(best));
            }
            String top1 = new String(Encoding.encode(OutputPolicy.topK(1), batched, 3, 3, 1).bytes());
            assertThat(top1.split("\n")[0]).startsWith(labels.split("\n")[0] + ":");
        }
    }

    @Test
    void wrongShapesAndNonModelsAreRefusedWithAReason() throws Exception {
        try (ModelRunner r = new ModelRunner(model(), Signatures.of(model()), 1)) {
            assertThatThrownBy(() -> r.runBatch(new FloatTensor(new long[] {2, 64}, new float[128])))
                    .isInstanceOf(InferenceException.class).hasMessageContaining("rank 2").hasMessageContaining("takes rank 4");
            assertThatThrownBy(() -> r.checkAcceptsRows(new long[] {64}))
                    .isInstanceOf(InferenceException.class).hasMessageContaining("rank 2").hasMessageContaining("takes rank 4");
            assertThatThrownBy(() -> r.runBatch(new FloatTensor(new long[] {1, 4, 48, 192}, new float[4 * 48 * 192])))
                    .hasMessageContaining("input dimension 1 is 4 but model input");
        }
        assertThatThrownBy(() -> new ModelRunner("not a model".getBytes(), Signatures.UNUSED, 1))
                .isInstanceOf(InferenceException.class).hasMessageContaining("not a loadable ONNX model");
    }
}
