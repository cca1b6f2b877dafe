package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.receipt.FailureCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model provider signs a contract with one signature and uploads a model with another: the enclave refuses the
 * model once ONNX Runtime has loaded it, before any data is fed. Each test changes one part of the real test model's
 * signature and fails without {@link ContractSignatureCheck}.
 */
class ContractSignatureCheckTest {
    @TempDir
    Path scratch;

    private static final String D0 = "p2o.DynamicDimension.0";
    private static final String D1 = "p2o.DynamicDimension.1";
    private static final String D2 = "p2o.DynamicDimension.2";
    /** PaddleOCR's text-direction classifier as ONNX Runtime loads it. */
    private static final ValueSignature OCR_INPUT = ValueSignature.tensor("x", ValueType.FLOAT32,
            Dim.free(D0), Dim.fixed(3), Dim.free(D1), Dim.free(D2));

    private static byte[] ocrModel() throws Exception {
        return Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
    }

    private void assertRefused(ModelSignature signed, String because) {
        assertThatThrownBy(() -> new ModelRunner(ocrModel(), signed, 1, scratch).close())
                .isInstanceOf(InferenceException.class)
                .hasMessageStartingWith("the model is not the one the contract describes: ")
                .hasMessageContaining(because)
                .extracting(e -> ((InferenceException) e).code()).isEqualTo(FailureCode.MODEL_INVALID);
        assertThat(scratch.toFile().list()).as("the private directory was removed on refusal").isEmpty();
    }

    private static ModelSignature withInput(ModelSignature s, ValueSignature input) {
        return new ModelSignature(List.of(input), s.outputs());
    }

    @Test
    void pureReaderAndOnnxRuntimeAgreeOnTheTestModel() throws Exception {
        ModelSignature read = Signatures.of(ocrModel());
        assertThat(read.inputs()).containsExactly(OCR_INPUT);
        try (ModelRunner r = new ModelRunner(ocrModel(), read, 1, scratch)) {
            assertThat(r.inputShape()).containsExactly(-1, 3, -1, -1);
        }
    }

    @Test
    void renamedInputIsRefused() throws Exception {
        ModelSignature real = Signatures.of(ocrModel());
        assertRefused(withInput(real, ValueSignature.tensor("image", ValueType.FLOAT32, OCR_INPUT.shape().toArray(Dim[]::new))),
                "input 0 is 'x' float32 [" + D0 + ", 3, " + D1 + ", " + D2 + "] in the model but 'image'");
    }

    @Test
    void otherElementTypeIsRefused() throws Exception {
        ModelSignature real = Signatures.of(ocrModel());
        assertRefused(withInput(real, new ValueSignature("x", ValueType.FLOAT16, OCR_INPUT.shape())), "'x' float16");
    }

    @Test
    void otherFixedSizeIsRefused() throws Exception {
        ModelSignature real = Signatures.of(ocrModel());
        assertRefused(withInput(real, ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free(D0),
                Dim.fixed(1), Dim.free(D1), Dim.free(D2))), "[" + D0 + ", 1, " + D1 + ", " + D2 + "] in the contract");
    }

    @Test
    void fixedDimensionSignedAsFreeIsRefused() throws Exception {
        ModelSignature real = Signatures.of(ocrModel());
        assertRefused(withInput(real, ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free(D0),
                Dim.unnamed(), Dim.free(D1), Dim.free(D2))), "in the contract");
    }

    @Test
    void freeDimensionSignedAsFixedOrRenamedIsRefused() throws Exception {
        ModelSignature real = Signatures.of(ocrModel());
        assertRefused(withInput(real, ValueSignature.tensor("x", ValueType.FLOAT32, Dim.fixed(1),
                Dim.fixed(3), Dim.free(D1), Dim.free(D2))), "in the contract");
        assertRefused(withInput(real, ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("batch"),
                Dim.fixed(3), Dim.free(D1), Dim.free(D2))), "in the contract");
    }

    @Test
    void otherRankIsRefused() throws Exception {
        ModelSignature real = Signatures.of(ocrModel());
        assertRefused(withInput(real, ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free(D0), Dim.fixed(3), Dim.free(D1))),
                "in the contract");
        assertRefused(withInput(real, new ValueSignature("x", ValueType.FLOAT32, null)), "in the contract");
    }

    @Test
    void outputMayBeKnownMoreExactlyThanSignedButNotOtherwise() throws Exception {
        ModelSignature real = Signatures.of(ocrModel());
        String out = real.outputs().get(0).name();
        ModelSignature freer = new ModelSignature(real.inputs(), List.of(ValueSignature.tensor(out, ValueType.FLOAT32,
                Dim.unnamed(), Dim.free("classes"))));
        new ModelRunner(ocrModel(), freer, 1, scratch).close();
        new ModelRunner(ocrModel(), new ModelSignature(real.inputs(), List.of(new ValueSignature(out, ValueType.FLOAT32, null))),
                1, scratch).close();
        assertRefused(new ModelSignature(real.inputs(), List.of(ValueSignature.tensor(out, ValueType.FLOAT32, Dim.unnamed(), Dim.fixed(3)))),
                "output 0 is '" + out + "' float32 [p2o.DynamicDimension.3, 2] in the model");
        assertRefused(new ModelSignature(real.inputs(), List.of(ValueSignature.tensor(out, ValueType.FLOAT32, Dim.unnamed()))),
                "output 0");
        assertRefused(new ModelSignature(real.inputs(), List.of(ValueSignature.tensor(out, ValueType.FLOAT64, Dim.unnamed(), Dim.fixed(2)))),
                "output 0");
    }

    @Test
    void inputIsNeverLooserThanTheModel() throws Exception {
        ModelSignature real = Signatures.of(ocrModel());
        assertRefused(withInput(real, ValueSignature.tensor("x", ValueType.FLOAT32, Dim.unnamed(), Dim.fixed(3), Dim.free(D1), Dim.free(D2))),
                "input 0");
    }

    @Test
    void extraOrMissingOutputIsRefused() throws Exception {
        ModelSignature real = Signatures.of(ocrModel());
        List<ValueSignature> more = new ArrayList<>(real.outputs());
        more.add(ValueSignature.tensor("label", ValueType.INT64, Dim.free("N")));
        assertRefused(new ModelSignature(real.inputs(), more), "it has 1 outputs, the contract 2");
        assertRefused(new ModelSignature(real.inputs(), List.of(new ValueSignature(real.outputs().get(0).name(), ValueType.SEQUENCE, null))),
                "sequence in the contract");
    }
}
