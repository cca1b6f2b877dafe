package dev.veil.enclave.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.veil.tensor.FloatTensor;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Runs an ONNX model loaded from bytes in memory (never from a file) over a dataset in batches. The model must have
 * one float32 input whose first dimension is the batch. Closing it releases the native session.
 */
public final class ModelRunner implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String inputName;
    private final long[] inputShape;

    public ModelRunner(byte[] onnxModel, int intraOpThreads) throws InferenceException {
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            session = env.createSession(onnxModel, options);
        } catch (OrtException e) {
            throw new InferenceException("model is not a loadable ONNX model: " + firstLine(e.getMessage()));
        }
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            if (inputs.size() != 1) {
                close();
                throw new InferenceException("model has " + inputs.size() + " inputs " + inputs.keySet() + "; Veil feeds exactly one tensor");
            }
            var entry = inputs.entrySet().iterator().next();
            inputName = entry.getKey();
            if (!(entry.getValue().getInfo() instanceof TensorInfo ti) || ti.type != OnnxJavaType.FLOAT) {
                close();
                throw new InferenceException("model input '" + entry.getKey() + "' is " + entry.getValue().getInfo()
                        + "; Veil feeds float32 tensors");
            }
            inputShape = ti.getShape();
        } catch (OrtException e) {
            close();
            throw new InferenceException("model metadata cannot be read: " + firstLine(e.getMessage()));
        }
    }

    /** The model's input shape; -1 marks a free dimension. */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** Refuses data the model cannot take, naming the dimension. */
    public void checkAccepts(FloatTensor data) throws InferenceException {
        long[] s = data.shape();
        if (s.length != inputShape.length) {
            throw new InferenceException("input has shape " + Arrays.toString(s) + " (rank " + s.length + ") but model input '"
                    + inputName + "' takes rank " + inputShape.length + " " + shapeText(inputShape));
        }
        for (int i = 1; i < s.length; i++) {
            if (inputShape[i] > 0 && inputShape[i] != s[i]) {
                throw new InferenceException("input dimension " + i + " is " + s[i] + " but model input '" + inputName
                        + "' expects " + inputShape[i] + " (model shape " + shapeText(inputShape) + ", input shape " + Arrays.toString(s) + ")");
            }
        }
        if (data.rows() == 0) {
            throw new InferenceException("input holds no rows");
        }
    }

    /** One batch's outputs: every model output as float32 (int64 outputs converted), plus int64 outputs kept exact. */
    public record BatchOutput(List<FloatTensor> floats, List<long[]> int64s, List<String> names) {
    }

    /** Runs the model over all rows in batches of {@code batchSize} (or the model's fixed batch dimension). */
    public List<BatchOutput> run(FloatTensor data, int batchSize) throws InferenceException {
        checkAccepts(data);
        int batch = inputShape[0] > 0 ? (int) inputShape[0] : batchSize;
        if (inputShape[0] > 0 && data.rows() % batch != 0) {
            throw new InferenceException("model takes batches of exactly " + batch + " rows but the input has " + data.rows());
        }
        List<BatchOutput> out = new ArrayList<>();
        for (int from = 0; from < data.rows(); from += batch) {
            int to = Math.min(data.rows(), from + batch);
            FloatTensor part = from == 0 && to == data.rows() ? data : data.slice(from, to);
            out.add(runOnce(part));
        }
        return out;
    }

    private BatchOutput runOnce(FloatTensor part) throws InferenceException {
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(part.values()), part.shape());
             OrtSession.Result result = session.run(Map.of(inputName, input))) {
            List<FloatTensor> floats = new ArrayList<>();
            List<long[]> longs = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (Map.Entry<String, OnnxValue> e : result) {
                if (!(e.getValue() instanceof OnnxTensor t)) {
                    continue;   // sequences and maps (e.g. sklearn's ZipMap) are not returned
                }
                TensorInfo info = t.getInfo();
                long[] shape = info.getShape();
                if (info.type == OnnxJavaType.FLOAT) {
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    floats.add(new FloatTensor(shape, v));
                    longs.add(null);
                } else if (info.type == OnnxJavaType.INT64) {
                    LongBuffer lb = t.getLongBuffer();
                    long[] v = new long[lb.remaining()];
                    lb.get(v);
                    float[] f = new float[v.length];
                    for (int i = 0; i < v.length; i++) {
                        f[i] = v[i];
                    }
                    floats.add(new FloatTensor(shape, f));
                    longs.add(v);
                } else {
                    continue;
                }
                names.add(e.getKey());
            }
            if (floats.isEmpty()) {
                throw new InferenceException("model produced no float32 or int64 tensor output");
            }
            return new BatchOutput(floats, longs, names);
        } catch (OrtException e) {
            throw new InferenceException("inference failed: " + firstLine(e.getMessage()));
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException | RuntimeException ignored) {
            // already closed or never opened: nothing left to release
        }
    }

    private static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return sb.append(']').toString();
    }

    private static String firstLine(String s) {
        return s == null ? "unknown error" : s.lines().findFirst().orElse(s);
    }
}
