package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelRunner#run(NamedTensors)}: the real transformer and a tiny model per element type give what plain ONNX
 * Runtime gives for the same inputs, bit for bit; inputs that do not fit the contract's signature are refused in one
 * line before ONNX Runtime sees them.
 */
class NamedTensorRunTest {
    static Path minilm(String file) {
        return Path.of(System.getProperty("veil.testdata.dir"), "models", "minilm", file);
    }

    @Test
    void miniLmGivesPlainOnnxRuntimesOutputBitForBit() throws Exception {
        byte[] model = Files.readAllBytes(minilm("all-minilm-l6-v2-q.onnx"));
        NamedTensors sample = Npz.read(Files.readAllBytes(minilm("sample-8x128.npz")), 1 << 20);
        assertThat(sample.names()).containsExactly("input_ids", "attention_mask", "token_type_ids");
        NamedTensors ours;
        try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 2)) {
            ours = r.run(sample);
        }
        Map<String, byte[]> plain = plain(model, sample);
        assertThat(ours.names()).containsExactlyElementsOf(plain.keySet());
        Tensor hidden = ours.get("last_hidden_state");
        assertThat(hidden.type()).isEqualTo(ElementType.FLOAT32);
        assertThat(hidden.shape()).containsExactly(8, 128, 384);
        for (Tensor t : ours.tensors()) {
            assertThat(t.data()).as(t.name()).isEqualTo(plain.get(t.name()));
        }
        assertThat(sample.get("input_ids").longs()[0]).isEqualTo(101);   // [CLS]: the sample is what the README says
    }

    @ParameterizedTest
    @EnumSource(ElementType.class)
    void everyElementTypeGoesInAndComesOutAsPlainOnnxRuntimes(ElementType type) throws Exception {
        byte[] model = TypedModels.identityAndCast(onnxCode(type));
        Tensor x = randomTensor("x", type, new long[] {4, 3}, new Random(type.ordinal()));
        NamedTensors ours;
        try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1)) {
            ours = r.run(NamedTensors.of(x));
        }
        assertThat(ours.names()).containsExactly("y", "z");
        assertThat(ours.get("y").type()).isEqualTo(type);
        assertThat(ours.get("y").shape()).containsExactly(4, 3);
        assertThat(ours.get("y").data()).isEqualTo(x.data());
        assertThat(ours.get("z").type()).isEqualTo(ElementType.FLOAT32);
        Map<String, byte[]> plain = plain(model, NamedTensors.of(x));
        assertThat(ours.get("y").data()).isEqualTo(plain.get("y"));
        assertThat(ours.get("z").data()).isEqualTo(plain.get("z"));
    }

    @Test
    void boolAndFloat16ConvertAsOnnxDefinesThem() throws Exception {
        try (ModelRunner r = runner(TypedModels.identityAndCast(TypedModels.BOOL))) {
            Tensor x = new Tensor("x", ElementType.BOOL, new long[] {1, 3}, new byte[] {1, 0, 1});
            assertThat(r.run(NamedTensors.of(x)).get("z").floats()).containsExactly(1f, 0f, 1f);
        }
        try (ModelRunner r = runner(TypedModels.identityAndCast(TypedModels.FLOAT16))) {
            // 1.0, -2.0, 65504 (float16's largest) as IEEE half-precision bits, little-endian
            Tensor x = new Tensor("x", ElementType.FLOAT16, new long[] {1, 3}, new byte[] {0x00, 0x3c, 0x00, (byte) 0xc0, (byte) 0xff, 0x7b});
            assertThat(r.run(NamedTensors.of(x)).get("z").floats()).containsExactly(1f, -2f, 65504f);
        }
    }

    @Test
    void twoInputsOfTwoTypesRunTogether() throws Exception {
        try (ModelRunner r = runner(TypedModels.twoInputs())) {
            NamedTensors out = r.run(NamedTensors.of(
                    Tensor.ofLongs("b", new long[] {2, 2}, new long[] {1, 2, 3, 4}),   // any order: inputs go by name
                    Tensor.ofFloats("a", new long[] {2, 2}, new float[] {0.5f, 0.5f, 0.5f, 0.5f})));
            assertThat(out.get("y").floats()).containsExactly(1.5f, 2.5f, 3.5f, 4.5f);
            assertThat(out.get("c").longs()).containsExactly(1, 2, 3, 4);
        }
    }

    @Test
    void missingInputIsRefusedNamingIt() throws Exception {
        try (ModelRunner r = runner(TypedModels.twoInputs())) {
            assertThatThrownBy(() -> r.run(NamedTensors.of(Tensor.ofFloats("a", new long[] {1, 1}, new float[1]))))
                    .isInstanceOf(InferenceException.class)
                    .hasMessage("your data has no array 'b' for the contract's model input 'b' int64 [N, L]")
                    .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(FailureCode.DATASET_INVALID));
        }
    }

    @Test
    void extraInputNameIsRefusedNamingIt() throws Exception {
        try (ModelRunner r = runner(TypedModels.twoInputs())) {
            assertThatThrownBy(() -> r.run(NamedTensors.of(Tensor.ofFloats("a", new long[] {1, 1}, new float[1]),
                    Tensor.ofLongs("b", new long[] {1, 1}, new long[1]), Tensor.ofLongs("extra", new long[] {1}, new long[1]))))
                    .hasMessage("your data has an array 'extra' but the contract's model has no input of that name; it takes 'a', 'b'");
        }
    }

    @Test
    void wrongElementTypeForAnInputIsRefusedBeforeOnnxRuntime() throws Exception {
        try (ModelRunner r = runner(TypedModels.twoInputs())) {
            assertThatThrownBy(() -> r.run(NamedTensors.of(Tensor.ofFloats("a", new long[] {1, 1}, new float[1]),
                    Tensor.ofFloats("b", new long[] {1, 1}, new float[1]))))
                    .hasMessage("your array 'b' is float32 [1, 1] but the contract's model input is 'b' int64 [N, L]: the element type differs");
        }
    }

    @Test
    void inputsDisagreeingOnANamedDimensionAreRefusedBeforeOnnxRuntime() throws Exception {
        try (ModelRunner r = runner(TypedModels.twoInputs())) {
            assertThatThrownBy(() -> r.run(NamedTensors.of(Tensor.ofFloats("a", new long[] {2, 3}, new float[6]),
                    Tensor.ofLongs("b", new long[] {2, 4}, new long[8]))))
                    .hasMessage("your array 'b' is int64 [2, 4] but the contract's model input is 'b' int64 [N, L]: dimension 1 ('L')"
                            + " is 4 here but 3 in an earlier array; the model needs one size for it");
        }
    }

    @Test
    void wrongRankAndFixedSizeAreRefused() throws Exception {
        try (ModelRunner r = runner(TypedModels.identityAndCast(TypedModels.FLOAT))) {
            assertThatThrownBy(() -> r.run(NamedTensors.of(Tensor.ofFloats("x", new long[] {3}, new float[3]))))
                    .hasMessage("your array 'x' is float32 [3] but the contract's model input is 'x' float32 [N, 3]: the rank differs");
            assertThatThrownBy(() -> r.run(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 4}, new float[4]))))
                    .hasMessage("your array 'x' is float32 [1, 4] but the contract's model input is 'x' float32 [N, 3]: dimension 1 must be 3");
        }
    }

    @Test
    void onnxRuntimesErrorTextNeverLeaves() throws Exception {
        try (ModelRunner r = runner(TypedModels.addOfUnrelatedWidths())) {
            Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> r.run(NamedTensors.of(
                    Tensor.ofFloats("a", new long[] {1, 3}, new float[3]), Tensor.ofFloats("b", new long[] {1, 4}, new float[4]))));
            assertThat(e).isInstanceOf(InferenceException.class)
                    .hasMessage(ModelRunner.MODEL_FAILED_ON_INPUT + " ('a' float32 [1, 3], 'b' float32 [1, 4])");
            assertThat(e.getCause()).isNotNull();   // ONNX Runtime's exception stays a cause nobody shows
            assertThat(((InferenceException) e).code()).isEqualTo(FailureCode.INFERENCE_FAILED);
        }
    }

    @Test
    void endlessModelIsTerminatedAtItsRunsTimeLimitAndTheRunnerServesTheNextRun() throws Exception {
        try (ModelRunner r = runner(TypedModels.endlessLoop())) {
            NamedTensors x = NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 3}, new float[3]));
            assertThatThrownBy(() -> r.run(x, java.time.Duration.ofMillis(300)))
                    .isInstanceOf(InferenceException.class)
                    .hasMessage("the model run passed its time limit of 300 ms and was terminated")
                    .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(FailureCode.TIMEOUT));
            // not the runner-wide termination: the next run gets its own limit
            assertThatThrownBy(() -> r.run(x, java.time.Duration.ofMillis(300))).hasMessage("the model run passed its time limit of 300 ms and was terminated");
        }
        try (ModelRunner r = runner(TypedModels.twoInputs())) {
            NamedTensors in = NamedTensors.of(Tensor.ofFloats("a", new long[] {1, 1}, new float[] {1}),
                    Tensor.ofLongs("b", new long[] {1, 1}, new long[] {2}));
            assertThat(r.run(in, java.time.Duration.ofMinutes(1)).get("y").floats()).containsExactly(3f);
        }
    }

    @Test
    void singleInputRowsPathStillNamesTheFixForAMultiInputModel() throws Exception {
        try (ModelRunner r = runner(TypedModels.twoInputs())) {
            assertThatThrownBy(() -> r.checkAcceptsRows(new long[] {4}))
                    .hasMessage("the model takes 2 inputs [a, b]; CSV and .npy feed exactly one tensor: give an .npz with one"
                            + " array per input name");
        }
    }

    private static ModelRunner runner(byte[] model) throws Exception {
        return new ModelRunner(model, Signatures.of(model), 1);
    }

    /** The outputs' bytes as plain ONNX Runtime gives them: its own session, default options, its typed factories. */
    static Map<String, byte[]> plain(byte[] model, NamedTensors inputs) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feed = new HashMap<>();
        try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions())) {
            for (Tensor t : inputs.tensors()) {
                feed.put(t.name(), plainTensor(env, t));
            }
            Map<String, byte[]> out = new LinkedHashMap<>();
            try (OrtSession.Result r = s.run(feed)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    ByteBuffer b = ((OnnxTensor) e.getValue()).getByteBuffer();
                    byte[] bytes = new byte[b.remaining()];
                    b.get(bytes);
                    out.put(e.getKey(), bytes);
                }
            }
            return out;
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private static OnnxTensor plainTensor(OrtEnvironment env, Tensor t) throws Exception {
        ByteBuffer le = ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN);
        return switch (t.type()) {
            case FLOAT32 -> OnnxTensor.createTensor(env, le.asFloatBuffer(), t.shape());
            case FLOAT64 -> OnnxTensor.createTensor(env, le.asDoubleBuffer(), t.shape());
            case INT64 -> OnnxTensor.createTensor(env, le.asLongBuffer(), t.shape());
            case INT32 -> OnnxTensor.createTensor(env, le.asIntBuffer(), t.shape());
            case FLOAT16 -> OnnxTensor.createTensor(env, le.asShortBuffer(), t.shape(), OnnxJavaType.FLOAT16);
            case INT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(t.data()), t.shape());
            case UINT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(t.data()), t.shape(), OnnxJavaType.UINT8);
            case BOOL -> OnnxTensor.createTensor(env, ByteBuffer.wrap(t.data()), t.shape(), OnnxJavaType.BOOL);
        };
    }

    static int onnxCode(ElementType t) {
        return switch (t) {
            case FLOAT32 -> TypedModels.FLOAT;
            case FLOAT16 -> TypedModels.FLOAT16;
            case FLOAT64 -> TypedModels.DOUBLE;
            case INT64 -> TypedModels.INT64;
            case INT32 -> TypedModels.INT32;
            case INT8 -> TypedModels.INT8;
            case UINT8 -> TypedModels.UINT8;
            case BOOL -> TypedModels.BOOL;
        };
    }

    /** Random bytes (for bool, 0 or 1), so every bit pattern of the type can go through. */
    static Tensor randomTensor(String name, ElementType type, long[] shape, Random random) {
        byte[] data = new byte[(int) Tensor.elementCount(shape) * type.byteSize()];
        random.nextBytes(data);
        if (type == ElementType.BOOL) {
            for (int i = 0; i < data.length; i++) {
                data[i] &= 1;
            }
        }
        return new Tensor(name, type, shape, data);
    }
}
