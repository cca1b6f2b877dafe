package dev.veil.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.veil.enclave.inference.OrtRuntime;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The plaintext Spark job's model: plain ONNX Runtime inside the executor JVM, named tensors in and out, with the
 * session settings the confidential job's inference worker gets from an executor ({@code ExecutorInstance} asks for one
 * intra-op thread; {@code InferenceWorkerMain} turns the pool's spinning off and leaves the rest at ONNX Runtime's
 * defaults). No child process, no pipe, no sealing.
 */
final class SparkPlainModel implements AutoCloseable {
    /** What both sides set, said in the benchmark's output. */
    static final String SETTINGS = "1 intra-op thread, intra-op spinning off, default graph optimizations and execution mode";
    /** ONNX Runtime's session config key, as the worker sets it ({@code ModelRunner.ALLOW_SPINNING}). */
    private static final String ALLOW_SPINNING = "session.intra_op.allow_spinning";
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtSession session;

    SparkPlainModel(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            so.addConfigEntry(ALLOW_SPINNING, "0");
            session = env.createSession(model, so);
        }
    }

    NamedTensors run(NamedTensors inputs) throws OrtException {
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            for (Tensor t : inputs.tensors()) {
                ByteBuffer b = ByteBuffer.allocateDirect(t.data().length).order(ByteOrder.LITTLE_ENDIAN);
                b.put(t.data()).flip();
                feed.put(t.name(), OnnxTensor.createTensor(env, b, t.shape(), javaType(t.type())));
            }
            List<Tensor> out = new ArrayList<>();
            try (OrtSession.Result r = session.run(feed)) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    OnnxTensor t = (OnnxTensor) e.getValue();
                    ByteBuffer bytes = t.getByteBuffer();
                    byte[] data = new byte[bytes.remaining()];
                    bytes.get(data);
                    out.add(new Tensor(e.getKey(), elementType(t.getInfo().type), t.getInfo().getShape(), data));
                }
            }
            return new NamedTensors(out);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private static OnnxJavaType javaType(ElementType t) {
        return switch (t) {
            case FLOAT32 -> OnnxJavaType.FLOAT;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case FLOAT64 -> OnnxJavaType.DOUBLE;
            case INT64 -> OnnxJavaType.INT64;
            case INT32 -> OnnxJavaType.INT32;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case BOOL -> OnnxJavaType.BOOL;
        };
    }

    private static ElementType elementType(OnnxJavaType t) {
        return switch (t) {
            case FLOAT -> ElementType.FLOAT32;
            case FLOAT16 -> ElementType.FLOAT16;
            case DOUBLE -> ElementType.FLOAT64;
            case INT64 -> ElementType.INT64;
            case INT32 -> ElementType.INT32;
            case INT8 -> ElementType.INT8;
            case UINT8 -> ElementType.UINT8;
            case BOOL -> ElementType.BOOL;
            default -> throw new IllegalStateException("the benchmark's model returns " + t + ", which Veil does not return");
        };
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
