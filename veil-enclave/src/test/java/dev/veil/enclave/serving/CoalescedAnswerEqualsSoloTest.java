package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.Signatures;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A curious data provider comparing its answers: if an honest model's answer to a request changed, even in the last
 * bit, with the other requests it was coalesced with, a DP would learn that others were querying (and roughly how many
 * rows), and an answer would no longer be plain ONNX Runtime's on that request. On the real OCR model (float
 * convolutions, per-row) the coalesced answer is the solo answer bit for bit. The quantized MiniLM is not: see
 * {@link BatchDependentModelAttackTest}.
 */
class CoalescedAnswerEqualsSoloTest {
    @Test
    void honestModelsCoalescedAnswerIsItsSoloAnswerBitForBit() throws Exception {
        byte[] model = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
        try (ModelRunner runner = new ModelRunner(model, Signatures.of(model), 1)) {
            assertThat(TensorBatching.batchable(runner.signature())).isTrue();
            Duration limit = Duration.ofSeconds(60);
            byte[] alone = TensorBatching.run(runner, List.of(crops(3, 2)), limit).get(0).tensors().get(0).data();
            byte[] coalesced = TensorBatching.run(runner, List.of(crops(5, 1), crops(3, 2), crops(1, 3)), limit).get(1).tensors().get(0).data();
            assertThat(coalesced).isEqualTo(alone);
        }
    }

    private static NamedTensors crops(int rows, long seed) {
        float[] v = new float[rows * 3 * 48 * 192];
        Random r = new Random(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat() * 2 - 1;
        }
        return NamedTensors.of(Tensor.ofFloats("x", new long[] {rows, 3, 48, 192}, v));
    }
}
