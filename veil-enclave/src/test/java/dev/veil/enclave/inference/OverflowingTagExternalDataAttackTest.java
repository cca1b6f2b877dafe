package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attack on the first line of defence against external data (issue 7 item 2): protobuf's C++ parser, which ONNX
 * Runtime uses, reads a field tag as at most 5 varint bytes and keeps only the low 32 bits. A tag written with 5 bytes
 * whose last byte sets bits above bit 31 is, to ONNX Runtime, the plain tag of GraphProto field 5 (initializer); to
 * {@link ExternalDataCheck}, which keeps all 64 bits, it is field 2^29+5, an unknown field it skips without looking
 * inside. So an initializer with a relative external-data location passes the structural check unseen.
 *
 * <p>Expected safe behaviour: the check reads tags as the parser that will load the model does (or refuses any tag
 * that is not the canonical encoding of a field number below 2^29), so this model is refused before loading.
 */
class OverflowingTagExternalDataAttackTest {
    static final float[] SECRET = {1111f, 2222f, 3333f, 4444f};

    Path planted;

    @BeforeEach
    void plantAFileInTheWorkingDirectory() throws Exception {
        planted = Path.of("").toAbsolutePath().resolve("planted-" + UUID.randomUUID() + ".bin");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(SECRET);
        Files.write(planted, b.array());
    }

    @AfterEach
    void removeIt() throws Exception {
        Files.deleteIfExists(planted);
    }

    /** y = Add(x, W), W's initializer written under a 5-byte tag with bit 32 set. */
    static byte[] overflowingInitializerTag(String location) {
        byte[] tensor = ExternalDataModels.externalTensor("W", location).toBytes();
        ByteArrayOutputStream initializer = new ByteArrayOutputStream();
        int tag = (5 << 3) | 2;   // GraphProto.initializer, length-delimited
        initializer.write(tag | 0x80);
        initializer.write(0x80);
        initializer.write(0x80);
        initializer.write(0x80);
        initializer.write(0x10);  // bit 32: dropped by protobuf's 32-bit tag, kept by the Java walk
        writeVarint(initializer, tensor.length);
        initializer.writeBytes(tensor);
        ProtoWriter graph = new ProtoWriter()
                .message(1, ExternalDataModels.node("Add", new String[] {"x", "W"}, "y"))
                .string(2, "overflowing-tag-probe")
                .message(11, ExternalDataModels.valueInfo("x", 4))
                .message(12, ExternalDataModels.valueInfo("y", 4));
        byte[] plain = graph.toBytes();
        byte[] extra = initializer.toByteArray();
        byte[] graphBytes = new byte[plain.length + extra.length];
        System.arraycopy(plain, 0, graphBytes, 0, plain.length);
        System.arraycopy(extra, 0, graphBytes, plain.length, extra.length);
        return new ProtoWriter().varint(1, 8).string(2, "veil-test").bytes(7, graphBytes)
                .message(8, new ProtoWriter().string(1, "").varint(2, 13)).toBytes();
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    @Test
    void onnxRuntimeReadsTheHiddenInitializerSoTheAttackIsReal() throws Exception {
        byte[] model = overflowingInitializerTag(planted.getFileName().toString());
        var env = OrtRuntime.environment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(model, o);
                 OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[4]), new long[] {1, 4});
                 OrtSession.Result r = s.run(Map.of("x", x))) {
                float[] y = new float[4];
                ((OnnxTensor) r.get(0)).getFloatBuffer().get(y);
                assertThat(y).containsExactly(SECRET);
            }
        }
    }

    @Test
    void overflowingTagCannotHideAnExternalDataInitializerFromTheCheck() {
        byte[] model = overflowingInitializerTag(planted.getFileName().toString());
        assertThatThrownBy(() -> ExternalDataCheck.refuseExternalData(model))
                .isInstanceOf(InferenceException.class);
    }
}
