package dev.veil.enclave.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.veil.protocol.contract.DatasetFit;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs an ONNX model loaded from bytes in memory (never from a file), in two ways. {@link #run(NamedTensors)} takes
 * any number of named inputs of the element types in {@link dev.veil.tensor.ElementType}, checked against the
 * contract's signature before ONNX Runtime sees them, and gives every output by name (serving, and batches of an
 * .npz). {@link #runBatch(FloatTensor)} feeds rows of a CSV or .npy dataset to a model of one float32 input whose
 * first dimension is the batch. Both copy the data into direct buffers that are reused and zeroed after every run. A
 * model whose tensors refer to external data is refused before
 * ONNX Runtime sees it, and ONNX Runtime is pointed at an empty private directory for external initializers as a
 * second line of defence. A run is terminated when it passes its time limit. Closing releases the native session.
 *
 * <p>ONNX Runtime's own error text never leaves this class: it can quote the data provider's cells (to whom failure
 * details are sealed, but its length and presence are seen) and the model provider's constants (which the data
 * provider must not read). Failures are Veil's own sentences, built only from Veil's checks on the input side.
 */
public final class ModelRunner implements AutoCloseable {
    /** ONNX Runtime's session config key: where external initializers of a model loaded from memory are looked up. */
    static final String EXTERNAL_INITIALIZERS_FOLDER = "session.model_external_initializers_file_folder_path";
    /** ONNX Runtime's session config key that pins the loader: "ONNX" never falls back to the ORT-format loader. */
    static final String LOAD_MODEL_FORMAT = "session.load_model_format";
    /** What the data provider is told when ONNX Runtime fails during a run: never ONNX Runtime's own text. */
    public static final String MODEL_FAILED_ON_INPUT = "the model failed on your input";
    private static final ScheduledExecutorService TERMINATOR = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "veil-ort-terminator");
        t.setDaemon(true);
        return t;
    });

    private final OrtEnvironment env;
    private final Path emptyDir;
    private final OrtSession session;
    private final OrtSession.RunOptions runOptions;
    private final ModelSignature signed;
    /** The one float32 input CSV and .npy rows feed, or null when the model takes other inputs (an .npz feeds those). */
    private final String inputName;
    private final long[] inputShape;
    /** Why CSV and .npy rows cannot feed this model, or null when they can. */
    private final String rowsProblem;
    private volatile boolean terminated;
    private FloatBuffer input;
    /** {@link #run(NamedTensors)}'s direct buffers, one per input name, grown as needed and zeroed after every run. */
    private final Map<String, ByteBuffer> namedInputs = new HashMap<>();
    private boolean closed;

    /** A runner whose private directory is created under the JVM's temp directory. */
    public ModelRunner(byte[] onnxModel, ModelSignature signed, int intraOpThreads) throws InferenceException {
        this(onnxModel, signed, intraOpThreads, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /**
     * @param signed the contract's signature of the model: a model whose inputs and outputs differ is refused
     * @param scratchParent where the empty private directory ONNX Runtime is pointed at is created (and removed)
     */
    public ModelRunner(byte[] onnxModel, ModelSignature signed, int intraOpThreads, Path scratchParent) throws InferenceException {
        this(onnxModel, signed, intraOpThreads, scratchParent, true);
    }

    /** {@code refuseExternalData} false only in tests, to prove the second line of defence holds alone. */
    ModelRunner(byte[] onnxModel, ModelSignature signed, int intraOpThreads, Path scratchParent, boolean refuseExternalData)
            throws InferenceException {
        if (refuseExternalData) {
            ExternalDataCheck.refuseExternalData(onnxModel);
        }
        env = OrtRuntime.environment();
        emptyDir = createEmptyDir(scratchParent);
        OrtSession created = null;
        OrtSession.RunOptions options = null;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(intraOpThreads > 0 ? intraOpThreads : Math.max(1, Runtime.getRuntime().availableProcessors()));
            so.addConfigEntry(EXTERNAL_INITIALIZERS_FOLDER, emptyDir.toString());
            so.addConfigEntry(LOAD_MODEL_FORMAT, "ONNX");
            so.setSessionLogLevel(OrtRuntime.LOG_LEVEL);
            created = env.createSession(onnxModel, so);
            options = new OrtSession.RunOptions();
            options.setLogLevel(OrtRuntime.LOG_LEVEL);
        } catch (OrtException e) {
            closeQuietly(created, options);
            removeEmptyDir();
            throw new InferenceException(FailureCode.MODEL_INVALID, "model is not a loadable ONNX model (ONNX Runtime refused it)", e);
        }
        session = created;
        runOptions = options;
        ContractSignatureCheck.requireSigned(session, signed, this::close);
        this.signed = signed;
        try {
            OrtTensors.requireLittleEndian();
            Map<String, NodeInfo> inputs = session.getInputInfo();
            var entry = inputs.entrySet().iterator().next();
            if (inputs.size() != 1) {
                rowsProblem = "the model takes " + inputs.size() + " inputs " + inputs.keySet() + "; CSV and .npy feed exactly"
                        + " one tensor: give an .npz with one array per input name";
            } else if (!(entry.getValue().getInfo() instanceof TensorInfo ti) || ti.type != OnnxJavaType.FLOAT) {
                rowsProblem = "model input '" + entry.getKey() + "' is " + entry.getValue().getInfo() + "; CSV and .npy feed"
                        + " float32 tensors: give an .npz holding an array of that name and type";
            } else {
                rowsProblem = null;
            }
            if (rowsProblem == null) {
                inputName = entry.getKey();
                inputShape = ((TensorInfo) entry.getValue().getInfo()).getShape();
            } else {
                inputName = null;
                inputShape = null;
            }
        } catch (OrtException e) {
            close();
            throw new InferenceException(FailureCode.MODEL_INVALID, "model metadata cannot be read by ONNX Runtime", e);
        } catch (InferenceException e) {
            close();
            throw e;
        }
    }

    /** The contract's signature of the model, which its inputs and outputs were checked against when it was loaded. */
    public ModelSignature signature() {
        return signed;
    }

    /**
     * Runs the model once on {@code inputs}, one tensor per model input by name, and returns every tensor output by
     * name, in the model's order (sequence and map outputs, such as scikit-learn's ZipMap, are left out). The inputs
     * are checked against the contract's signature first: a missing, extra or unknown name, another element type, rank
     * or fixed size, or one named free dimension given two sizes, is refused with one line naming the input, what
     * the contract expects and what was found ({@link FailureCode#DATASET_INVALID}). ONNX Runtime's own error text
     * never leaves. The caller owns the inputs (this does not wipe them) and the outputs (which it should wipe when
     * done). Runs one at a time: the input buffers are shared.
     */
    public NamedTensors run(NamedTensors inputs) throws InferenceException {
        return runNamed(inputs, null);
    }

    /**
     * {@link #run(NamedTensors)} with a time limit for this run alone (serving: one request): once {@code timeLimit}
     * has passed from the start of the run, ONNX Runtime is told to terminate it and it fails with
     * {@link FailureCode#TIMEOUT}; the runner stays usable for later runs. {@link #terminateAfter} still ends every run.
     */
    public NamedTensors run(NamedTensors inputs, Duration timeLimit) throws InferenceException {
        return runNamed(inputs, timeLimit);
    }

    private synchronized NamedTensors runNamed(NamedTensors inputs, Duration timeLimit) throws InferenceException {
        requireNotTerminated();
        if (closed) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "the model's session is closed");
        }
        List<DatasetFit.Given> given = new ArrayList<>(inputs.size());
        for (Tensor t : inputs.tensors()) {
            given.add(new DatasetFit.Given(t.name(), OrtTensors.valueType(t.type()), t.shape()));
        }
        String problem = DatasetFit.problem(signed, given);
        if (problem != null) {
            throw new InferenceException(FailureCode.DATASET_INVALID, problem);
        }
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        RunLimit limit = null;
        try {
            for (Tensor t : inputs.tensors()) {
                feed.put(t.name(), OrtTensors.input(env, t, namedInputBuffer(t.name(), t.data().length)));
            }
            limit = timeLimit == null ? null : new RunLimit(timeLimit);
            try (OrtSession.Result result = session.run(feed, limit == null ? runOptions : limit.options)) {
                List<Tensor> outputs = new ArrayList<>();
                try {
                    for (Map.Entry<String, OnnxValue> e : result) {
                        if (e.getValue() instanceof OnnxTensor t) {
                            outputs.add(OrtTensors.output(e.getKey(), t));
                        }
                    }
                    return new NamedTensors(outputs);
                } catch (InferenceException | RuntimeException e) {
                    outputs.forEach(Tensor::wipe);
                    throw e;
                }
            }
        } catch (OrtException e) {
            requireNotTerminated();
            if (limit != null && limit.fired) {
                throw new InferenceException(FailureCode.TIMEOUT, "the model run passed its time limit of " + timeLimit.toMillis()
                        + " ms and was terminated");
            }
            throw new InferenceException(FailureCode.INFERENCE_FAILED, MODEL_FAILED_ON_INPUT + " (" + shapes(inputs) + ")", e);
        } finally {
            if (limit != null) {
                limit.close();
            }
            feed.values().forEach(OnnxTensor::close);
            for (Tensor t : inputs.tensors()) {
                ByteBuffer b = namedInputs.get(t.name());
                if (b != null) {
                    zero(b, Math.min(b.capacity(), t.data().length));   // the data provider's values, as ONNX Runtime read them
                }
            }
        }
    }

    /**
     * One run's own run options, told to terminate once its time limit has passed. The timer and {@link #close()}
     * take turns on the options, so the native object is never used after it is freed.
     */
    private static final class RunLimit implements AutoCloseable {
        final OrtSession.RunOptions options;
        private final ScheduledFuture<?> timer;
        private volatile boolean fired;
        private boolean closed;

        RunLimit(Duration limit) throws OrtException {
            options = new OrtSession.RunOptions();
            options.setLogLevel(OrtRuntime.LOG_LEVEL);
            timer = TERMINATOR.schedule(this::fire, Math.max(0, limit.toMillis()), TimeUnit.MILLISECONDS);
        }

        private synchronized void fire() {
            if (!closed) {
                fired = true;
                try {
                    options.setTerminate(true);
                } catch (OrtException ignored) {
                    // cannot happen on open options; the run then ends by itself or at the session's limit
                }
            }
        }

        @Override
        public synchronized void close() {
            timer.cancel(false);
            closed = true;
            options.close();
        }
    }

    /** The reused direct buffer for input {@code name}, at least {@code bytes} long. */
    private ByteBuffer namedInputBuffer(String name, int bytes) {
        ByteBuffer b = namedInputs.get(name);
        if (b == null || b.capacity() < bytes) {
            if (b != null) {
                zero(b, b.capacity());
            }
            b = ByteBuffer.allocateDirect(Math.max(bytes, 1)).order(ByteOrder.nativeOrder());
            namedInputs.put(name, b);
        }
        return b;
    }

    private static void zero(ByteBuffer b, int bytes) {
        b.clear();
        for (int i = 0; i < bytes; i++) {
            b.put(i, (byte) 0);
        }
    }

    /** "'input_ids' int64 [8, 128], 'attention_mask' int64 [8, 128]": Veil's own view of the inputs, no values. */
    private static String shapes(NamedTensors inputs) {
        return String.join(", ", inputs.tensors().stream().map(Tensor::toString).toList());
    }

    private void requireRowsFeedable() throws InferenceException {
        if (rowsProblem != null) {
            throw new InferenceException(FailureCode.DATASET_INVALID, rowsProblem);
        }
    }

    /**
     * The shape of the model's one float32 input, which CSV and .npy rows feed; -1 marks a free dimension.
     *
     * @throws IllegalStateException when the model takes other inputs
     */
    public long[] inputShape() {
        if (inputShape == null) {
            throw new IllegalStateException(rowsProblem);
        }
        return inputShape.clone();
    }

    /**
     * Refuses rows the model cannot take, naming the dimension: {@code rowShape} is the dataset's shape without its
     * first axis, checked before the model sees any row.
     */
    public void checkAcceptsRows(long[] rowShape) throws InferenceException {
        requireRowsFeedable();
        long[] s = new long[rowShape.length + 1];
        s[0] = -1;
        System.arraycopy(rowShape, 0, s, 1, rowShape.length);
        if (s.length != inputShape.length) {
            throw new InferenceException(FailureCode.DATASET_INVALID, "input rows have shape " + Arrays.toString(rowShape) + " (rank "
                    + s.length + " with the row axis) but model input '" + inputName + "' takes rank " + inputShape.length + " "
                    + shapeText(inputShape));
        }
        for (int i = 1; i < s.length; i++) {
            if (inputShape[i] > 0 && inputShape[i] != s[i]) {
                throw new InferenceException(FailureCode.DATASET_INVALID, "input dimension " + i + " is " + s[i] + " but model input '"
                        + inputName + "' expects " + inputShape[i] + " (model shape " + shapeText(inputShape) + ", input shape "
                        + shapeText(s) + ")");
            }
        }
    }

    /**
     * Rows per call: the model's fixed batch dimension if it has one, else as many rows as fit {@code bytesPerBatch} of
     * input, at most {@code maxRows} and at least one.
     */
    public int batchRows(int maxRows, long bytesPerBatch, int rowSize) {
        if (inputShape != null && inputShape[0] > 0) {
            return (int) inputShape[0];
        }
        long fit = bytesPerBatch / Math.max(1L, (long) rowSize * Float.BYTES);
        return (int) Math.max(1, Math.min(maxRows, fit));
    }

    /** One batch's outputs: every model output as float32 (int64 outputs converted), plus int64 outputs kept exact. */
    public record BatchOutput(List<FloatTensor> floats, List<long[]> int64s, List<String> names) {
    }

    /**
     * Tells ONNX Runtime to terminate the run once {@code limit} has passed from now; later batches fail with
     * {@link FailureCode#TIMEOUT}. Cancel the returned timer when the run is over.
     */
    public ScheduledFuture<?> terminateAfter(Duration limit) {
        return TERMINATOR.schedule(this::terminate, limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs one batch. A model with a fixed batch dimension takes batches of exactly that many rows (a dataset whose
     * row count is not a multiple of it fails at its last batch).
     */
    public BatchOutput runBatch(FloatTensor part) throws InferenceException {
        requireNotTerminated();
        checkAcceptsRows(Arrays.copyOfRange(part.shape(), 1, part.shape().length));
        if (inputShape[0] > 0 && part.rows() != inputShape[0]) {
            throw new InferenceException(FailureCode.DATASET_INVALID, "model takes batches of exactly " + inputShape[0]
                    + " rows but the dataset's last batch has " + part.rows() + "; give it a multiple of " + inputShape[0] + " rows");
        }
        return runOnce(part);
    }

    /** Asks ONNX Runtime to stop the current run as soon as it can (from any thread); later runs fail at once. */
    public void terminate() {
        terminated = true;
        try {
            runOptions.setTerminate(true);
        } catch (OrtException | RuntimeException ignored) {
            // the run options were closed: the run is over anyway
        }
    }

    void requireNotTerminated() throws InferenceException {
        if (terminated) {
            throw new InferenceException(FailureCode.TIMEOUT, "the model run was terminated after the contract's time limit");
        }
    }

    /**
     * The input as ONNX Runtime reads it: one direct buffer reused for every batch. ONNX Runtime's Java API copies a
     * heap buffer into a new direct buffer on every call, freed only by a garbage collection, so memory grew with the
     * number of batches; a direct buffer in native order it uses in place.
     */
    private FloatBuffer inputBuffer(int values) {
        if (input == null || input.capacity() < values) {
            if (input != null) {
                zero(input, input.capacity());
            }
            input = ByteBuffer.allocateDirect(Math.multiplyExact(values, Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        input.clear();
        return input;
    }

    private static void zero(FloatBuffer b, int values) {
        b.clear();
        for (int i = 0; i < values; i++) {
            b.put(i, 0f);
        }
    }

    private BatchOutput runOnce(FloatTensor part) throws InferenceException {
        FloatBuffer direct = inputBuffer(part.values().length);
        direct.put(part.values()).flip();
        try (OnnxTensor input = OnnxTensor.createTensor(env, direct, part.shape());
             OrtSession.Result result = session.run(Map.of(inputName, input), runOptions)) {
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
                throw new InferenceException(FailureCode.INFERENCE_FAILED, "model produced no float32 or int64 tensor output");
            }
            return new BatchOutput(floats, longs, names);
        } catch (OrtException e) {
            requireNotTerminated();
            throw new InferenceException(FailureCode.INFERENCE_FAILED, MODEL_FAILED_ON_INPUT + " '" + inputName + "' of shape "
                    + Arrays.toString(part.shape()) + " (model input shape " + shapeText(inputShape) + ")", e);
        } finally {
            zero(direct, part.values().length);   // the data provider's rows, as ONNX Runtime read them
        }
    }

    /** Releases the native session; true once it is closed (so a receipt may say so). */
    public synchronized boolean closeSession() {
        if (!closed) {
            try {
                session.close();
                closed = true;
            } catch (OrtException | RuntimeException e) {
                closed = false;
            }
            closeQuietly(null, runOptions);
            removeEmptyDir();
            if (input != null) {
                zero(input, input.capacity());
            }
            namedInputs.values().forEach(b -> zero(b, b.capacity()));
        }
        return closed;
    }

    @Override
    public void close() {
        closeSession();
    }

    private static Path createEmptyDir(Path parent) throws InferenceException {
        try {
            Files.createDirectories(parent);
            try {
                return Files.createTempDirectory(parent, "ort-empty-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                return Files.createTempDirectory(parent, "ort-empty-");
            }
        } catch (IOException e) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "cannot create the private directory for ONNX Runtime");
        }
    }

    private void removeEmptyDir() {
        try {
            Files.deleteIfExists(emptyDir);
        } catch (IOException ignored) {
            // not empty means something wrote into it; leave it for the operator to see
        }
    }

    private static void closeQuietly(OrtSession s, OrtSession.RunOptions o) {
        try {
            if (s != null) {
                s.close();
            }
        } catch (OrtException | RuntimeException ignored) {
            // never opened fully: nothing left to release
        }
        if (o != null) {
            o.close();
        }
    }

    private static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return sb.append(']').toString();
    }
}
