package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.contract.OutputPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model loads into its worker while the session already decrypts and reads the data provider's dataset ahead. A
 * model that ONNX Runtime refuses must end the session as it did when the load came first: the model provider reads
 * {@code failed: model_invalid}, and its receipt's list says nothing of the dataset (whether its first row had been
 * read when the load failed is the reader's timing and the data's format, neither the model provider's to learn).
 */
class ModelRefusedAtLoadTest {
    @TempDir
    Path tempDir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void modelThatOnnxRuntimeRefusesFailsTheSessionAndItsReceiptSaysNothingOfTheDataset() throws Exception {
        try (Ceremony c = new Ceremony(tempDir.resolve("enclave"))) {
            byte[] refused = renameOperator(Ceremony.digitsModel(3), "Softmax", "Softmay");
            byte[] data = Ceremony.evaluationData().featuresCsv();
            LocalCeremony.Run run = c.runUnchecked(Ceremony.signed(c.contract(refused, OutputPolicy.labels(), c.policy())), refused, data);
            assertThat(run.dpError()).hasMessageContaining("model_invalid");
            assertThat(run.mp().discard().receipt().outcome()).isEqualTo("failed: model_invalid");
            assertThat(run.mp().discard().receipt().released())
                    .doesNotContain("dataset decryption and parser buffers zeroed", "onnx runtime session closed",
                            "input batch buffers zeroed")
                    .contains("asset keys zeroed");
        }
    }

    /** The model with one operator's name changed to one ONNX Runtime does not know (same length: the protobuf holds). */
    private static byte[] renameOperator(byte[] model, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.US_ASCII);
        byte[] t = to.getBytes(StandardCharsets.US_ASCII);
        byte[] out = model.clone();
        for (int i = 0; i + f.length <= out.length; i++) {
            if (java.util.Arrays.equals(out, i, i + f.length, f, 0, f.length)) {
                System.arraycopy(t, 0, out, i, t.length);
                return out;
            }
        }
        throw new IllegalStateException("the model has no " + from);
    }
}
