package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The differential property the strict protobuf reader exists for: whatever {@link ExternalDataCheck} accepts, ONNX
 * Runtime loads without reading any file. Checked on the real test models and on hand-built hostile encodings of an
 * external-data initializer (y = x + W, W read from a file planted in the working directory), each hiding it behind
 * one framing trick on which a 64-bit varint walk and protobuf's C++ parser disagree.
 *
 * <p>The oracle: a model the check accepts is loaded by ONNX Runtime (no optimisations: it then reads external data
 * while creating the session) once with the planted file present and once with it gone. A model that read the file
 * would load in the first case only, or compute with the file's contents; so both cases must end alike, and a run of
 * the probe model must not return the file's values.
 */
class ProtobufDifferentialTest {
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

    @Test
    void whateverTheCheckAcceptsOnnxRuntimeLoadsWithoutReadingAFile() throws Exception {
        Map<String, byte[]> models = new LinkedHashMap<>();
        models.put("ocr-direction-cls", testModel("ocr-direction-cls.onnx"));
        models.put("all-minilm-l6-v2-q", testModel("minilm", "all-minilm-l6-v2-q.onnx"));
        models.putAll(hostile(planted.getFileName().toString()));

        Set<String> accepted = new TreeSet<>();
        for (Map.Entry<String, byte[]> m : models.entrySet()) {
            try {
                ExternalDataCheck.refuseExternalData(m.getValue());
            } catch (InferenceException refused) {
                continue;
            }
            accepted.add(m.getKey());
            String withFile = loadOutcome(m.getValue());
            Files.move(planted, planted.resolveSibling(planted.getFileName() + ".away"));
            try {
                assertThat(loadOutcome(m.getValue())).as(m.getKey() + ": ONNX Runtime's load depends on the planted file")
                        .isEqualTo(withFile);
            } finally {
                Files.move(planted.resolveSibling(planted.getFileName() + ".away"), planted);
            }
        }
        // The hostile encodings that protobuf reads as harmless are accepted, so ONNX Runtime really was consulted.
        assertThat(accepted).containsExactlyInAnyOrder("ocr-direction-cls", "all-minilm-l6-v2-q",
                "initializer in an unknown field", "data_location 2^32 with inline data");
    }

    @Test
    void inlineDataUnderAnOverwideDataLocationIsWhatOnnxRuntimeComputesWith() throws Exception {
        // data_location written as 2^32: ONNX Runtime keeps its low 32 bits (DEFAULT) and reads W from the model
        byte[] model = dataLocationOverwide();
        ExternalDataCheck.refuseExternalData(model);
        assertThat(run(model)).containsExactly(1f, 2f, 3f, 4f);
    }

    /** Each framing trick, applied to the external-data initializer W of y = Add(x, W). */
    static Map<String, byte[]> hostile(String location) {
        byte[] tensor = ExternalDataModels.externalTensor("W", location).toBytes();
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("5-byte tag above 32 bits", OverflowingTagExternalDataAttackTest.overflowingInitializerTag(location));
        m.put("over-long tag", probe(cat(bytes(0xaa, 0x80, 0x00), varint(tensor.length), tensor)));
        m.put("6-byte tag", probe(cat(bytes(0xaa, 0x80, 0x80, 0x80, 0x80, 0x00), varint(tensor.length), tensor)));
        m.put("over-long length", probe(cat(bytes(0x2a), overlongVarint(tensor.length), tensor)));
        m.put("field 0 before it", probe(cat(bytes(0x00), initializer(tensor))));
        m.put("end-group before it", probe(cat(bytes(0x0c), initializer(tensor))));
        m.put("inside a group", probe(cat(bytes(0x0b), initializer(tensor), bytes(0x0c))));
        m.put("length past the end", probe(cat(bytes(0x2a), varint(tensor.length + 1), tensor)));
        m.put("second graph field", secondGraph(tensor));
        m.put("nested past the limit", nestedIfs(40, tensor));
        m.put("initializer in an unknown field", probe(cat(bytes(0x9a, 0x06), varint(tensor.length), tensor)));
        m.put("data_location 2^32 with inline data", dataLocationOverwide());
        return m;
    }

    /** The probe graph y = Add(x, W), W given by {@code extra} (raw GraphProto bytes appended). */
    private static byte[] probe(byte[] extra) {
        byte[] graph = cat(probeGraph().toBytes(), extra);
        return new ProtoWriter().varint(1, 8).string(2, "veil-test").bytes(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, 13)).toBytes();
    }

    private static ProtoWriter probeGraph() {
        return new ProtoWriter().message(1, ExternalDataModels.node("Add", new String[] {"x", "W"}, "y"))
                .string(2, "differential-probe")
                .message(11, ExternalDataModels.valueInfo("x", 4))
                .message(12, ExternalDataModels.valueInfo("y", 4));
    }

    /** ModelProto.graph twice: protobuf merges the second into the first, so W joins the probe graph. */
    private static byte[] secondGraph(byte[] tensor) {
        return new ProtoWriter().varint(1, 8).string(2, "veil-test").message(7, probeGraph())
                .message(8, new ProtoWriter().string(1, "").varint(2, 13))
                .bytes(7, initializer(tensor)).toBytes();
    }

    /** W at the bottom of {@code levels} If nodes, each in the then_branch of the one above (3 messages per level). */
    private static byte[] nestedIfs(int levels, byte[] tensor) {
        byte[] graph = cat(new ProtoWriter().string(2, "bottom").toBytes(), initializer(tensor));
        for (int i = 0; i < levels; i++) {
            ProtoWriter ifNode = ExternalDataModels.node("If", new String[] {"c"}, "y")
                    .message(5, new ProtoWriter().string(1, "then_branch").bytes(6, graph).varint(20, 5));
            graph = new ProtoWriter().message(1, ifNode).string(2, "level" + i).toBytes();
        }
        return new ProtoWriter().varint(1, 8).bytes(7, graph).message(8, new ProtoWriter().string(1, "").varint(2, 13))
                .toBytes();
    }

    /** W = {1, 2, 3, 4} inline (float_data), with data_location written as the varint 2^32. */
    static byte[] dataLocationOverwide() {
        ByteBuffer floats = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        floats.asFloatBuffer().put(new float[] {1f, 2f, 3f, 4f});
        byte[] tensor = new ProtoWriter().varint(1, 4).varint(2, ExternalDataModels.FLOAT).bytes(4, floats.array())
                .string(8, "W").varint(14, 1L << 32).toBytes();
        return probe(initializer(tensor));
    }

    private static byte[] initializer(byte[] tensor) {
        return cat(bytes(0x2a), varint(tensor.length), tensor);   // GraphProto field 5, LEN
    }

    /** "loaded" or "refused", what ONNX Runtime does with the model with optimisations off. */
    private static String loadOutcome(byte[] model) throws Exception {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = OrtRuntime.environment().createSession(model, o)) {
                if (s.getInputNames().equals(Set.of("x")) && s.getOutputNames().equals(Set.of("y"))) {
                    assertThat(run(model)).doesNotContain(SECRET);
                }
                return "loaded";
            } catch (OrtException e) {
                return "refused";
            }
        }
    }

    private static float[] run(byte[] model) throws Exception {
        var env = OrtRuntime.environment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(model, o);
                 OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[4]), new long[] {1, 4});
                 OrtSession.Result r = s.run(Map.of("x", x))) {
                float[] y = new float[4];
                ((OnnxTensor) r.get(0)).getFloatBuffer().get(y);
                return y;
            }
        }
    }

    private static byte[] testModel(String... path) throws Exception {
        return Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models").resolve(Path.of("", path)));
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    private static byte[] varint(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    /** {@code v} in one more byte than it needs (a final 0x00 after a continuation bit). */
    private static byte[] overlongVarint(long v) {
        byte[] canonical = varint(v);
        byte[] out = java.util.Arrays.copyOf(canonical, canonical.length + 1);
        out[canonical.length - 1] |= (byte) 0x80;
        return out;
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
