package dev.veil.protocol.contract.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.json.ProtocolException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pure reader on the real test model (testdata/models; ONNX Runtime's own view of it is compared in veil-enclave's
 * ContractSignatureCheckTest), and on damaged copies of it: every damage is one ProtocolException or a signature,
 * never another exception.
 */
class OnnxSignatureReaderTest {
    private static byte[] ocrModel() throws Exception {
        return Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
    }

    @Test
    void readsTheOcrClassifiersInputsAndOutputs() throws Exception {
        ModelSignature s = OnnxSignatureReader.read(ocrModel());
        assertThat(s.inputs()).containsExactly(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("p2o.DynamicDimension.0"),
                Dim.fixed(3), Dim.free("p2o.DynamicDimension.1"), Dim.free("p2o.DynamicDimension.2")));
        assertThat(s.outputs()).containsExactly(ValueSignature.tensor("softmax_0.tmp_0", ValueType.FLOAT32,
                Dim.free("p2o.DynamicDimension.3"), Dim.fixed(2)));
    }

    @Test
    void truncatedOrCorruptedModelsFailInOneProtocolException() throws Exception {
        byte[] model = ocrModel();
        Random rnd = new Random(11);
        for (int i = 0; i < 300; i++) {
            byte[] damaged = i % 3 == 0 ? Arrays.copyOf(model, rnd.nextInt(model.length)) : model.clone();
            if (i % 3 != 0) {
                for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
                    damaged[rnd.nextInt(Math.min(damaged.length, 4096))] = (byte) rnd.nextInt(256);
                }
            }
            try {
                OnnxSignatureReader.read(damaged);
            } catch (ProtocolException expected) {
                assertThat(expected.getMessage()).doesNotContain("\n");
            }
        }
    }

    @Test
    void ortFormatAndEmptyBytesAreRefused() {
        assertThatThrownBy(() -> OnnxSignatureReader.read(new byte[0])).isInstanceOf(ProtocolException.class).hasMessageContaining("has no graph");
        byte[] ort = {0x18, 0, 0, 0, 'O', 'R', 'T', 'M', 0, 0};
        assertThatThrownBy(() -> OnnxSignatureReader.read(ort)).hasMessageContaining("ONNX Runtime's ORT format");
        assertThatThrownBy(() -> OnnxSignatureReader.read(new byte[] {(byte) 0x3b})).hasMessageContaining("wire type 3");
    }

    @Test
    void fuzzSeedsReadAsTheModelsTheyWereMadeFrom() throws Exception {
        Path seeds = Path.of(OnnxSignatureReaderTest.class.getResource("OnnxSignatureReaderFuzzTestInputs/readArbitraryModel").toURI());
        Path models = Path.of(System.getProperty("veil.testdata.dir"), "models");
        ModelSignature ocr = OnnxSignatureReader.read(ocrModel());
        assertThat(OnnxSignatureReader.read(Files.readAllBytes(seeds.resolve("ocr-direction-cls-weightless.onnx")))).isEqualTo(ocr);
        assertThat(OnnxSignatureReader.read(Files.readAllBytes(seeds.resolve("ocr-direction-cls-signature.onnx")))).isEqualTo(ocr);
        assertThat(OnnxSignatureReader.read(Files.readAllBytes(seeds.resolve("all-minilm-l6-v2-q-signature.onnx"))))
                .isEqualTo(OnnxSignatureReader.read(Files.readAllBytes(models.resolve("minilm/all-minilm-l6-v2-q.onnx"))));
    }

    @Test
    void elementTypeIsReadAsAnInt32LikeOnnxRuntimeDoes() throws Exception {
        // x: elem_type written as 2^32 + 1, whose low 32 bits ONNX Runtime reads as 1 (float)
        byte[] tensorType = {0x08, (byte) 0x81, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10};
        byte[] type = concat(new byte[] {0x0a, (byte) tensorType.length}, tensorType);
        byte[] x = concat(new byte[] {0x0a, 0x01, 'x', 0x12, (byte) type.length}, type);
        byte[] y = concat(new byte[] {0x0a, 0x01, 'y', 0x12, (byte) type.length}, type);
        byte[] graph = concat(new byte[] {0x5a, (byte) x.length}, x, new byte[] {0x62, (byte) y.length}, y);
        byte[] model = concat(new byte[] {0x3a, (byte) graph.length}, graph);
        assertThat(OnnxSignatureReader.read(model).inputs()).containsExactly(new ValueSignature("x", ValueType.FLOAT32, null));
    }

    @Test
    void aTagOnlyProtobufWouldTruncateCannotAddAnInput() {
        // GraphProto field 11 (input) under a 5-byte tag with bit 32 set: ONNX Runtime reads an input, a 64-bit walk
        // an unknown field; the reader refuses it
        byte[] value = {0x0a, 0x01, 'z', 0x12, 0x04, 0x0a, 0x02, 0x08, 0x01};
        byte[] graph = concat(new byte[] {(byte) 0xda, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10, (byte) value.length}, value);
        byte[] model = concat(new byte[] {0x3a, (byte) graph.length}, graph);
        assertThatThrownBy(() -> OnnxSignatureReader.read(model)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("above 32 bits");
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void modelTermsNameTheModelBySha256() throws Exception {
        assertThat(OnnxSignatureReader.modelTerms(ocrModel(), "ocr").sha256())
                .isEqualTo(dev.veil.protocol.json.Digests.hex(dev.veil.protocol.json.Digests.sha256(ocrModel())));
        assertThat(List.of(OnnxSignatureReader.modelTerms(ocrModel(), "ocr").name())).containsExactly("ocr");
    }
}
