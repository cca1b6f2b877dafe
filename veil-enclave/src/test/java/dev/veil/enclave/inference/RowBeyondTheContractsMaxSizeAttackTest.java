package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: a data provider skips its own tools and feeds rows longer than the contract's max size along a free
 * dimension after the first (a thousand points, or a whole document, as one counted row), past {@code max_rows} or the
 * serving budgets. Every path that feeds a model goes through {@link ModelRunner}: named tensors ({@code run}: the
 * batch enclave's .npz, serving requests, Spark's named cells) and rows of one float32 input ({@code runBatches}: CSV,
 * .npy, Spark's row cells). Both refuse a row beyond the signed max size before the model sees it; each test fails
 * without that check.
 */
class RowBeyondTheContractsMaxSizeAttackTest {
    @TempDir
    Path scratch;

    @Test
    void namedTensorsLongerThanTheMaxSizeAreNotRun() throws Exception {
        byte[] model = TypedModels.twoInputs();   // a: float32 [N, L], b: int64 [N, L]
        ModelSignature signed = Signatures.of(model, Map.of("L", 4L));
        try (ModelRunner r = new ModelRunner(model, signed, 1, scratch)) {
            assertThat(r.run(inputs(4)).get("y").floats()).hasSize(4);
            assertThatThrownBy(() -> r.run(inputs(5))).isInstanceOf(InferenceException.class)
                    .hasMessageContaining("dimension 1 ('L') is 5, more than the contract's max size 4")
                    .extracting(e -> ((InferenceException) e).code()).isEqualTo(FailureCode.DATASET_INVALID);
        }
    }

    @Test
    void rowsOfOneInputWiderThanTheMaxSizeAreNotRun() throws Exception {
        byte[] model = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
        // x: float32 [N, 3, H, W] (H, W: p2o.DynamicDimension.1 and .2)
        ModelSignature signed = Signatures.of(model, Map.of("p2o.DynamicDimension.1", 48L, "p2o.DynamicDimension.2", 192L));
        try (ModelRunner r = new ModelRunner(model, signed, 1, scratch)) {
            int[] calls = new int[1];
            r.runBatches(new long[] {1, 3, 48, 192}, new float[3 * 48 * 192], 1, (out, rows) -> calls[0]++);
            assertThat(calls[0]).isOne();
            assertThatThrownBy(() -> r.runBatches(new long[] {1, 3, 48, 1920}, new float[3 * 48 * 1920], 1, (out, rows) -> calls[0]++))
                    .isInstanceOf(InferenceException.class)
                    .hasMessageContaining("('p2o.DynamicDimension.2') is 1920, more than the contract's max size 192")
                    .extracting(e -> ((InferenceException) e).code()).isEqualTo(FailureCode.DATASET_INVALID);
            assertThat(calls[0]).as("no call of the wide row reached the model").isOne();
        }
    }

    private static NamedTensors inputs(int length) {
        return NamedTensors.of(Tensor.ofFloats("a", new long[] {1, length}, new float[length]),
                Tensor.ofLongs("b", new long[] {1, length}, new long[length]));
    }
}
