package dev.veil.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.OrtRuntime;
import dev.veil.enclave.inference.RowModel;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The plaintext baseline's model: plain ONNX Runtime in the benchmark's own process, with the enclave's session
 * options (threads, optimisation defaults, pool threads that do not spin), fed from one reused direct buffer per call as the inference worker feeds
 * it, and no child process, pipe, sealing or attestation. Runs the same calls as the enclave ({@code rowsPerCall} rows
 * each) and hands the outputs to the same encoder.
 */
final class PlainOrtModel implements RowModel, AutoCloseable {
    private static final ScheduledExecutorService NO_LIMIT = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "plain-ort-timer");
        t.setDaemon(true);
        return t;
    });
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtSession session;
    private final String input;
    /** The float32 and int64 tensor outputs, in the model's order: what a run of rows gives, as the worker gives it. */
    private final List<String> rowOutputNames = new ArrayList<>();
    private final List<ElementType> rowOutputTypes = new ArrayList<>();
    private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

    PlainOrtModel(byte[] model, int threads) throws OrtException {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors()));
            so.addConfigEntry("session.intra_op.allow_spinning", "0");   // as the inference worker has it
            session = env.createSession(model, so);
        }
        input = session.getInputNames().iterator().next();
        for (var e : session.getOutputInfo().entrySet()) {
            if (e.getValue().getInfo() instanceof ai.onnxruntime.TensorInfo t
                    && (t.type == OnnxJavaType.FLOAT || t.type == OnnxJavaType.INT64)) {
                rowOutputNames.add(e.getKey());
                rowOutputTypes.add(t.type == OnnxJavaType.FLOAT ? ElementType.FLOAT32 : ElementType.INT64);
            }
        }
    }

    @Override
    public List<ElementType> rowOutputTypes() {
        return List.copyOf(rowOutputTypes);
    }

    @Override
    public void runBatches(long[] shape, float[] values, int rowsPerCall, int rowOutput, ModelRunner.BatchSink sink)
            throws InferenceException, IOException {
        int rowSize = (int) (Tensor.elementCount(shape) / shape[0]);
        for (long first = 0; first < shape[0]; first += rowsPerCall) {
            int rows = (int) Math.min(rowsPerCall, shape[0] - first);
            long[] call = shape.clone();
            call[0] = rows;
            int n = rows * rowSize;
            if (buffer.capacity() < n * Float.BYTES) {
                buffer = ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder());
            }
            buffer.clear();
            buffer.asFloatBuffer().put(values, (int) first * rowSize, n);
            buffer.limit(n * Float.BYTES);
            try (OnnxTensor t = OnnxTensor.createTensor(env, buffer, call, OnnxJavaType.FLOAT);
                 OrtSession.Result r = rowOutput == EVERY_OUTPUT ? session.run(Map.of(input, t))
                         : session.run(Map.of(input, t), java.util.Set.of(rowOutputNames.get(rowOutput)))) {
                sink.accept(batchOutput(r), rows);
            } catch (OrtException e) {
                throw new InferenceException(FailureCode.INFERENCE_FAILED, "plain ONNX Runtime failed: " + e.getMessage());
            }
        }
    }

    private ModelRunner.BatchOutput batchOutput(OrtSession.Result r) throws OrtException {
        List<FloatTensor> floats = new ArrayList<>();
        List<long[]> longs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (var e : r) {
            if (!(e.getValue() instanceof OnnxTensor t)) {
                continue;
            }
            long[] shape = t.getInfo().getShape();
            if (t.getInfo().type == OnnxJavaType.FLOAT) {
                float[] f = new float[(int) Tensor.elementCount(shape)];
                t.getFloatBuffer().get(f);
                floats.add(new FloatTensor(shape, f));
                longs.add(null);
            } else if (t.getInfo().type == OnnxJavaType.INT64) {
                LongBuffer lb = t.getLongBuffer();
                long[] l = new long[lb.remaining()];
                lb.get(l);
                float[] f = new float[l.length];
                for (int k = 0; k < l.length; k++) {
                    f[k] = l[k];
                }
                floats.add(new FloatTensor(shape, f));
                longs.add(l);
            } else {
                continue;
            }
            names.add(e.getKey());
        }
        return new ModelRunner.BatchOutput(floats, longs, names);
    }

    @Override
    public ScheduledFuture<?> terminateAfter(Duration limit) {
        return NO_LIMIT.schedule(() -> { }, limit.toMillis(), TimeUnit.MILLISECONDS);   // the baseline is never stopped
    }

    @Override
    public void requireNotTerminated() {
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
