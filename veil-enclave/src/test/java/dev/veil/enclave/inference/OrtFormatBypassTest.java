package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parser disagreement between Veil's external-data walker and ONNX Runtime: ONNX Runtime loads bytes whose offset 4..8
 * read "ORTM" as an ORT-format (FlatBuffers) model, not as ONNX protobuf. The walker reads the same bytes as protobuf
 * framing only, so any ORT-format model wrapped to look like well-framed protobuf (here: a length-delimited field 1
 * that swallows the FlatBuffers root offset and identifier) passes the walker and reaches a loader the walker never
 * reasoned about (ORT-format initializers, including any external-data form ORT supports for them).
 */
class OrtFormatBypassTest {
    @TempDir
    Path scratch;

    /** Valid protobuf framing (field 1: 6 bytes, field 2: 0 bytes) that ONNX Runtime sees as an ORT-format model. */
    static byte[] ortFormatDisguisedAsProtobuf() {
        return new byte[] {0x0A, 0x06, 0x00, 0x00, 'O', 'R', 'T', 'M', 0x12, 0x00};
    }

    @Test
    void ortFormatModelBypassesTheProtobufWalkerAndReachesOrtsFlatbufferLoader() {
        byte[] model = ortFormatDisguisedAsProtobuf();
        // Expected: Veil refuses anything that is not an ONNX protobuf before ONNX Runtime sees it (and pins
        // session.load_model_format=ONNX), so the refusal is Veil's own, not ONNX Runtime's ORT-format loader's.
        assertThatThrownBy(() -> ExternalDataCheck.refuseExternalData(model))
                .as("the walker refuses an ORT-format model")
                .isInstanceOf(InferenceException.class);
    }

    @Test
    // Today ONNX Runtime answers "LoadOrtModelWithLoader ORT model verification failed": its FlatBuffers loader ran.
    void ortFormatModelIsHandedToOnnxRuntimesOrtFormatLoader() {
        byte[] model = ortFormatDisguisedAsProtobuf();
        assertThatThrownBy(() -> new ModelRunner(model, Signatures.UNUSED, 1, scratch).close())
                .isInstanceOf(InferenceException.class)
                .as("refused by Veil as not ONNX protobuf, before ONNX Runtime's ORT-format loader")
                .hasMessageNotContaining("LoadOrtModel").hasMessageNotContaining("ORT model");
    }
}
