package dev.veil.enclave.inference;

import ai.onnxruntime.OrtLoggingLevel;
import dev.veil.protocol.contract.DatasetFit;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs an ONNX model loaded from bytes in memory (never from a file), in two ways. {@link #run(NamedTensors)} takes
 * any number of named inputs of the element types in {@link dev.veil.tensor.ElementType}, checked against the
 * contract's signature before ONNX Runtime sees them, and gives every output by name (serving, and batches of an
 * .npz). {@link #runBatch(FloatTensor)} feeds rows of a CSV or .npy dataset to a model of one float32 input whose
 * first dimension is the batch.
 *
 * <p><b>Where the model runs.</b> ONNX Runtime runs in a child process, the inference worker
 * ({@link InferenceWorker}, {@link InferenceWorkerMain}), not in the enclave's JVM. A hostile model's native code
 * cannot be stopped from inside the JVM: ONNX Runtime checks its run's terminate flag only between nodes, so one long
 * kernel (a Conv over a tensor expanded from the input) runs to its end, and constant folding executes the model's
 * constant nodes inside session creation, which nothing can interrupt. A process can be ended. So loading (the JVM's
 * start, ONNX Runtime's, session creation with its folding) is bounded by a load limit and each run by its time
 * limit, and when a limit passes the worker is killed and waited for, and the caller gets
 * {@link FailureCode#TIMEOUT}. {@link #terminate()} (the contract's time limit on a batch) kills it the same way and
 * every later run fails at once. After a run's own limit ({@link #run(NamedTensors, Duration)}, serving), or a worker
 * that died, the next run starts a new worker from the model bytes this runner keeps (in the enclave's memory only,
 * wiped when the session closes). {@link #closeSession()} reports the session closed only once the worker process
 * has exited.
 *
 * <p><b>What the worker may tell the enclave.</b> Its replies are distrusted: {@link WorkerReplies} parses them
 * strictly, and a worker that dies or answers anything else gives {@link FailureCode#INFERENCE_FAILED} (and is
 * stopped), never a hang. The model's inputs and outputs, as ONNX Runtime loaded them, are compared with the
 * contract's signature here ({@link ContractSignatureCheck}); outputs are named from the signature.
 *
 * <p><b>What holds as before.</b> A model whose tensors refer to external data is refused here, before its bytes go to
 * the worker; the worker runs in an empty private directory (its working directory, ONNX Runtime's folder for
 * external initializers, and its HOME) as a second line of defence, with telemetry off and ONNX Runtime logging only
 * what is fatal. Inputs go to the worker through a pipe, never a file; the worker copies them into direct buffers
 * that are reused and zeroed after every run, and this side zeroes its own copy of a batch's bytes. What remains: the
 * JDK's 8 KiB pipe buffers of the {@link Process} hold the last small request and reply until they are reused.
 *
 * <p>ONNX Runtime's own error text never leaves this class: it can quote the data provider's cells (to whom failure
 * details are sealed, but its length and presence are seen) and the model provider's constants (which the data
 * provider must not read). The worker sends it back only to become the unshown cause of an
 * {@link InferenceException}. Failures are Veil's own sentences, built only from Veil's checks on the input side.
 *
 * <p>The cost is one JVM start per runner (per batch session, per loaded serving model). A batch session's runner takes
 * a worker started ahead of need from the enclave's {@link WorkerReserve} instead, so that start overlaps the time
 * before the session runs.
 */
public final class ModelRunner implements AutoCloseable, RowModel {
    /** ONNX Runtime's session config key: where external initializers of a model loaded from memory are looked up. */
    static final String EXTERNAL_INITIALIZERS_FOLDER = "session.model_external_initializers_file_folder_path";
    /** ONNX Runtime's session config key that pins the loader: "ONNX" never falls back to the ORT-format loader. */
    static final String LOAD_MODEL_FORMAT = "session.load_model_format";
    /** ONNX Runtime's session config key: whether the intra-op pool's threads spin while they wait for work ("0": no). */
    static final String ALLOW_SPINNING = "session.intra_op.allow_spinning";
    /** What the data provider is told when ONNX Runtime fails during a run: never ONNX Runtime's own text. */
    public static final String MODEL_FAILED_ON_INPUT = "the model failed on your input";
    /**
     * How long loading may take when the caller sets no limit (serving, tests): a model that computes while it loads
     * is stopped here. A batch session passes what is left of the contract's time limit instead.
     */
    public static final Duration DEFAULT_LOAD_LIMIT = Duration.ofMinutes(5);
    /** The smallest worker heap: what a model up to 64 MiB gets, and what {@link WorkerReserve} holds workers of. */
    static final long MIN_WORKER_HEAP = 256L << 20;
    private static final ScheduledExecutorService TERMINATOR = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "veil-ort-terminator");
        t.setDaemon(true);
        return t;
    });

    /** The plaintext model, kept (in this process only) to start a new worker after one was killed; wiped at close. */
    private final byte[] model;
    private final int intraOpThreads;
    private final Duration loadLimit;
    private final OrtLoggingLevel workerLogLevel;
    private final long workerHeap;
    private final Path emptyDir;
    private final ModelSignature signed;
    /** The one float32 input CSV and .npy rows feed, or null when the model takes other inputs (an .npz feeds those). */
    private final String inputName;
    private final long[] inputShape;
    /** Why CSV and .npy rows cannot feed this model, or null when they can. */
    private final String rowsProblem;
    /** The model's float32 and int64 tensor outputs (what a run of rows gives): their indices among all its outputs. */
    private final int[] rowOutputs;
    private final List<ElementType> rowOutputTypes;
    private volatile boolean terminated;
    /** Where the next runner's worker is started ahead of need; told when this runner's worker has exited. */
    private final WorkerReserve reserve;
    /** A worker started ahead of need for this runner's first start, or null. */
    private InferenceWorker prestarted;
    /** The worker now running, or null once it was stopped (a later run starts another). */
    private volatile InferenceWorker worker;
    private boolean closing;
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
        this(onnxModel, signed, intraOpThreads, scratchParent, DEFAULT_LOAD_LIMIT);
    }

    /**
     * @param loadLimit how long starting the worker and loading the model may take; past it the worker is killed and
     *                  this fails with {@link FailureCode#TIMEOUT}
     */
    public ModelRunner(byte[] onnxModel, ModelSignature signed, int intraOpThreads, Path scratchParent, Duration loadLimit)
            throws InferenceException {
        this(onnxModel, signed, intraOpThreads, scratchParent, loadLimit, null);
    }

    /**
     * @param reserve where a worker started ahead of need is taken from when it has one (a batch session's), and asked
     *                for the next once this runner's worker has exited; null to start the worker here
     */
    public ModelRunner(byte[] onnxModel, ModelSignature signed, int intraOpThreads, Path scratchParent, Duration loadLimit,
                       WorkerReserve reserve) throws InferenceException {
        this(onnxModel, signed, intraOpThreads, scratchParent, loadLimit, true, OrtRuntime.LOG_LEVEL, reserve);
    }

    /** {@code refuseExternalData} false only in tests, to prove the second line of defence holds alone. */
    ModelRunner(byte[] onnxModel, ModelSignature signed, int intraOpThreads, Path scratchParent, boolean refuseExternalData)
            throws InferenceException {
        this(onnxModel, signed, intraOpThreads, scratchParent, DEFAULT_LOAD_LIMIT, refuseExternalData, OrtRuntime.LOG_LEVEL, null);
    }

    /** {@code workerLogLevel} other than {@link OrtRuntime#LOG_LEVEL} only in tests, to prove where the worker's log goes. */
    ModelRunner(byte[] onnxModel, ModelSignature signed, int intraOpThreads, Path scratchParent, Duration loadLimit,
                boolean refuseExternalData, OrtLoggingLevel workerLogLevel) throws InferenceException {
        this(onnxModel, signed, intraOpThreads, scratchParent, loadLimit, refuseExternalData, workerLogLevel, null);
    }

    private ModelRunner(byte[] onnxModel, ModelSignature signed, int intraOpThreads, Path scratchParent, Duration loadLimit,
                        boolean refuseExternalData, OrtLoggingLevel workerLogLevel, WorkerReserve reserve) throws InferenceException {
        if (refuseExternalData) {
            ExternalDataCheck.refuseExternalData(onnxModel);
        }
        OrtTensors.requireLittleEndian();
        this.signed = signed;
        this.intraOpThreads = intraOpThreads;
        this.loadLimit = loadLimit.isNegative() ? Duration.ZERO : loadLimit;
        this.workerLogLevel = workerLogLevel;
        this.workerHeap = Math.max(MIN_WORKER_HEAP, 2L * onnxModel.length + (128L << 20));
        this.model = onnxModel.clone();
        this.reserve = reserve;
        List<Integer> indices = new ArrayList<>();
        List<ElementType> types = new ArrayList<>();
        for (int i = 0; i < signed.outputs().size(); i++) {
            ValueType t = signed.outputs().get(i).type();
            if (t == ValueType.FLOAT32 || t == ValueType.INT64) {
                indices.add(i);
                types.add(t == ValueType.FLOAT32 ? ElementType.FLOAT32 : ElementType.INT64);
            }
        }
        this.rowOutputs = indices.stream().mapToInt(Integer::intValue).toArray();
        this.rowOutputTypes = List.copyOf(types);
        // Taken only after the model passed Veil's own checks above; the model goes to it only in startWorker.
        WorkerReserve.Spare spare = reserve == null || workerLogLevel != OrtRuntime.LOG_LEVEL ? null : reserve.take(workerHeap);
        emptyDir = spare != null ? spare.dir() : createEmptyDir(scratchParent);
        prestarted = spare == null ? null : spare.worker();
        WorkerReplies.Loaded loaded;
        try {
            loaded = startWorker();
        } catch (InferenceException e) {
            close();
            throw e;
        }
        List<LoadedValue> inputs = loaded.inputs();
        LoadedValue first = inputs.isEmpty() ? null : inputs.get(0);
        if (inputs.size() != 1) {
            rowsProblem = "the model takes " + inputs.size() + " inputs " + inputs.stream().map(LoadedValue::name).toList()
                    + "; CSV and .npy feed exactly one tensor: give an .npz with one array per input name";
        } else if (first.kind() != LoadedValue.Kind.TENSOR || first.elementType() == null
                || !first.elementType().id().equals(ElementType.FLOAT32.id())) {
            rowsProblem = "model input '" + Tensor.printable(first.name()) + "' is " + (first.elementType() == null
                    ? "not a tensor of a type Veil knows" : first.elementType().id()) + "; CSV and .npy feed"
                    + " float32 tensors: give an .npz holding an array of that name and type";
        } else {
            rowsProblem = null;
        }
        inputName = rowsProblem == null ? first.name() : null;
        inputShape = rowsProblem == null ? first.shape() : null;
    }

    /**
     * Starts a worker and loads the model into it within the load limit, then checks ONNX Runtime's view of the model
     * against the contract's signature. The worker is stopped on any failure.
     */
    private WorkerReplies.Loaded startWorker() throws InferenceException {
        InferenceWorker w = prestarted;
        prestarted = null;
        try {
            if (w == null) {
                w = InferenceWorker.start(emptyDir, workerHeap, workerLogLevel);
            }
        } catch (UntrustedNativeLibraryException e) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "the inference worker process could not be started");
        }
        worker = w;
        if (terminated) {
            w.kill();   // terminate() ran while this worker was starting
        }
        InferenceWorker.Deadline deadline = w.killAfter(loadLimit);
        WorkerReplies.Loaded loaded;
        try {
            loaded = w.load(model, intraOpThreads);
        } catch (IOException | WorkerReplies.Malformed e) {
            stopWorker();
            requireNotTerminated();
            if (deadline.passed()) {
                throw new InferenceException(FailureCode.TIMEOUT, "loading the model passed its time limit of " + loadLimit.toMillis()
                        + " ms and was stopped");
            }
            throw new InferenceException(FailureCode.INFERENCE_FAILED, e instanceof WorkerReplies.Malformed
                    ? e.getMessage() : "the inference worker ended while it loaded the model");
        } finally {
            deadline.cancel();
        }
        if (loaded.failure() != null) {
            stopWorker();
            WorkerReplies.Failure f = loaded.failure();
            throw new InferenceException(FailureCode.MODEL_INVALID, f.reason() == WorkerProtocol.REFUSED_MODEL
                    ? "model is not a loadable ONNX model (ONNX Runtime refused it)" : "model metadata cannot be read by ONNX Runtime",
                    new OnnxRuntimeText(f.onnxRuntimeText()));
        }
        try {
            ContractSignatureCheck.requireSigned(loaded.inputs(), loaded.outputs(), signed);
        } catch (InferenceException e) {
            stopWorker();
            throw e;
        }
        return loaded;
    }

    /** The worker to run on: the one running, or a new one when it was stopped or died. */
    private InferenceWorker liveWorker() throws InferenceException {
        InferenceWorker w = worker;
        if (w != null && w.alive()) {
            return w;
        }
        if (w != null) {
            stopWorker();
        }
        startWorker();
        return worker;
    }

    /** Kills the worker, if any, and waits for it to exit. */
    private void stopWorker() {
        InferenceWorker w = worker;
        if (w != null && w.stop()) {
            worker = null;
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
     * or fixed size, one named free dimension given two sizes, or a free dimension beyond the contract's max size, is refused with one line naming the input, what
     * the contract expects and what was found ({@link FailureCode#DATASET_INVALID}). ONNX Runtime's own error text
     * never leaves. The caller owns the inputs (this does not wipe them) and the outputs (which it should wipe when
     * done). Runs one at a time.
     */
    public NamedTensors run(NamedTensors inputs) throws InferenceException {
        return runNamed(inputs, null, Long.MAX_VALUE);
    }

    /**
     * {@link #run(NamedTensors)} with a time limit for this run alone (serving: one request): once {@code timeLimit}
     * has passed from the start of the run, the worker running it is killed and the run fails with
     * {@link FailureCode#TIMEOUT}; the next run starts a new worker. {@link #terminateAfter} still ends every run.
     */
    public NamedTensors run(NamedTensors inputs, Duration timeLimit) throws InferenceException {
        return runNamed(inputs, timeLimit, Long.MAX_VALUE);
    }

    /**
     * {@link #run(NamedTensors, Duration)} holding at most {@code maxOutputBytes} of outputs (serving: what it may answer
     * for the requests run): a model decides its outputs' sizes, and can make them the data's, up to the worker's heap
     * each. Past the bound the run fails with {@link FailureCode#LIMIT_EXCEEDED} before the outputs are held; they are
     * read to the reply's end and dropped, so the same worker takes the next run.
     */
    public NamedTensors run(NamedTensors inputs, Duration timeLimit, long maxOutputBytes) throws InferenceException {
        return runNamed(inputs, timeLimit, maxOutputBytes);
    }

    private synchronized NamedTensors runNamed(NamedTensors inputs, Duration timeLimit, long maxOutputBytes) throws InferenceException {
        requireNotTerminated();
        requireOpen();
        List<DatasetFit.Given> given = new ArrayList<>(inputs.size());
        for (Tensor t : inputs.tensors()) {
            given.add(new DatasetFit.Given(t.name(), OrtTensors.valueType(t.type()), t.shape()));
        }
        String problem = DatasetFit.problem(signed, given);
        if (problem != null) {
            throw new InferenceException(FailureCode.DATASET_INVALID, problem);
        }
        InferenceWorker w = liveWorker();
        InferenceWorker.Deadline deadline = timeLimit == null ? null : w.killAfter(timeLimit);
        WorkerReplies.Ran ran;
        try {
            ran = w.run(inputs.tensors(), signed, maxOutputBytes);
        } catch (WorkerReplies.TooLarge e) {
            throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the model's outputs come to more than " + maxOutputBytes
                    + " bytes, the most this run may answer; send fewer rows");
        } catch (RuntimeException | Error e) {
            stopWorker();   // e.g. out of memory mid-reply: the rest of it must not become the next run's reply
            throw e;
        } catch (IOException | WorkerReplies.Malformed e) {
            stopWorker();
            requireNotTerminated();
            if (deadline != null && deadline.passed()) {
                throw new InferenceException(FailureCode.TIMEOUT, "the model run passed its time limit of " + timeLimit.toMillis()
                        + " ms and was terminated");
            }
            throw workerFailed(e, "(" + shapes(inputs) + ")");
        } finally {
            if (deadline != null) {
                deadline.cancel();
            }
        }
        if (ran.failure() != null) {
            WorkerReplies.Failure f = ran.failure();
            if (f.reason() == WorkerProtocol.OUTPUT_TYPE_UNSUPPORTED) {
                throw new InferenceException(FailureCode.INFERENCE_FAILED, "model output '" + Tensor.printable(signed.outputs()
                        .get(f.outputIndex()).name()) + "' is of a type Veil does not return (float32, float16, float64, int64,"
                        + " int32, int8, uint8, bool)");
            }
            throw new InferenceException(FailureCode.INFERENCE_FAILED, MODEL_FAILED_ON_INPUT + " (" + shapes(inputs) + ")",
                    new OnnxRuntimeText(f.onnxRuntimeText()));
        }
        return new NamedTensors(ran.outputs());
    }

    /** A worker that died or answered garbage: Veil's sentence, the worker stopped already. */
    private static InferenceException workerFailed(Exception e, String what) {
        if (e instanceof WorkerReplies.Malformed) {
            return new InferenceException(FailureCode.INFERENCE_FAILED, e.getMessage() + "; it was stopped");
        }
        return new InferenceException(FailureCode.INFERENCE_FAILED, MODEL_FAILED_ON_INPUT + " " + what
                + ": the inference worker ended during the run");
    }

    /** "'input_ids' int64 [8, 128], 'attention_mask' int64 [8, 128]": Veil's own view of the inputs, no values. */
    private static String shapes(NamedTensors inputs) {
        return String.join(", ", inputs.tensors().stream().map(Tensor::toString).toList());
    }

    private void requireOpen() throws InferenceException {
        if (closing) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "the model's session is closed");
        }
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
     * Refuses rows the model cannot take or the contract does not let it see, naming the dimension: {@code rowShape} is
     * the dataset's shape without its first axis, checked before the model sees any row. Every path that feeds rows
     * (the batch enclave, a Spark executor, a serving instance) comes through here or {@link #run}, which check the
     * contract's max sizes of free dimensions the same way ({@link DatasetFit}).
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
        String beyondContract = DatasetFit.problem(signed, rowShape);   // the signed max sizes of free dimensions, above all
        if (beyondContract != null) {
            throw new InferenceException(FailureCode.DATASET_INVALID, beyondContract);
        }
    }

    /**
     * Rows per call: the model's fixed batch dimension if it has one, else as many rows as fit {@code bytesPerBatch} of
     * input, at most {@code maxRows} and at least one.
     */
    public int batchRows(int maxRows, long bytesPerBatch, int rowSize) {
        return batchRows(inputShape != null && inputShape.length > 0 ? inputShape[0] : -1, maxRows, bytesPerBatch, rowSize);
    }

    /**
     * {@link #batchRows(int, long, int)} from the contract's signature, before the model has loaded: a model's inputs
     * are refused at load unless they are exactly the signed ones ({@link ContractSignatureCheck}), so the loaded model
     * gives the same number.
     */
    public static int batchRows(ModelSignature signed, int maxRows, long bytesPerBatch, int rowSize) {
        List<Dim> shape = signed.inputs().size() == 1 ? signed.inputs().get(0).shape() : null;
        long first = shape != null && !shape.isEmpty() && shape.get(0) instanceof Dim.Fixed f ? f.size() : -1;
        return batchRows(first, maxRows, bytesPerBatch, rowSize);
    }

    private static int batchRows(long firstDim, int maxRows, long bytesPerBatch, int rowSize) {
        if (firstDim > 0) {
            return (int) firstDim;
        }
        long fit = bytesPerBatch / Math.max(1L, (long) rowSize * Float.BYTES);
        return (int) Math.max(1, Math.min(maxRows, fit));
    }

    /** One batch's outputs: every model output as float32 (int64 outputs converted), plus int64 outputs kept exact. */
    public record BatchOutput(List<FloatTensor> floats, List<long[]> int64s, List<String> names) {
    }

    /**
     * Stops the run once {@code limit} has passed from now (the worker is killed); later batches fail with
     * {@link FailureCode#TIMEOUT}. Cancel the returned timer when the run is over.
     */
    @Override
    public ScheduledFuture<?> terminateAfter(Duration limit) {
        return TERMINATOR.schedule(this::terminate, limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Takes each call's outputs, in input order, as {@link #runBatches} gets them; they are wiped once it returns. */
    @FunctionalInterface
    public interface BatchSink {
        void accept(BatchOutput out, int rows) throws InferenceException, IOException;
    }

    /**
     * Runs one batch. A model with a fixed batch dimension takes batches of exactly that many rows (a dataset whose
     * row count is not a multiple of it fails at its last batch).
     */
    public BatchOutput runBatch(FloatTensor part) throws InferenceException {
        BatchOutput[] one = new BatchOutput[1];
        try {
            runBatches(part.shape(), part.values(), Math.max(1, (int) part.rows()), (out, rows) -> one[0] = copy(out));
        } catch (IOException e) {
            throw new IllegalStateException(e);   // the sink above does no I/O
        }
        return one[0];
    }

    /**
     * Runs a group of rows (the first values of {@code values}, as many as {@code shape} holds: {@code shape[0]} rows) in
     * consecutive calls of {@code rowsPerCall} rows, handing each call's outputs to {@code sink} in order. The group
     * crosses to the inference worker in one request, which is what makes many small calls cheap; ONNX Runtime sees the
     * same calls as one {@link #runBatch} per {@code rowsPerCall} rows. A model with a fixed batch dimension takes calls
     * of exactly that many rows: a group that is not a multiple of it is refused before any of it is sent.
     */
    @Override
    public void runBatches(long[] shape, float[] values, int rowsPerCall, BatchSink sink) throws InferenceException, IOException {
        runBatches(shape, values, rowsPerCall, EVERY_OUTPUT, sink);
    }

    /** The model's float32 and int64 tensor outputs' element types, in its order, as the contract signed them. */
    @Override
    public List<ElementType> rowOutputTypes() {
        return rowOutputTypes;
    }

    /**
     * {@link #runBatches(long[], float[], int, BatchSink)} giving only the output at position {@code rowOutput} of
     * {@link #rowOutputTypes()} (or every one for {@link #EVERY_OUTPUT}): the worker asks ONNX Runtime for that output
     * alone and sends back nothing else.
     */
    @Override
    public synchronized void runBatches(long[] shape, float[] values, int rowsPerCall, int rowOutput, BatchSink sink)
            throws InferenceException, IOException {
        if (rowOutput != EVERY_OUTPUT && (rowOutput < 0 || rowOutput >= rowOutputs.length)) {
            throw new IllegalArgumentException("no row output " + rowOutput + " among " + rowOutputs.length);
        }
        int output = rowOutput == EVERY_OUTPUT ? WorkerProtocol.EVERY_ROWS_OUTPUT : rowOutputs[rowOutput];
        requireNotTerminated();
        requireOpen();
        int floats = Math.toIntExact(Tensor.elementCount(shape));
        if (floats > values.length || shape[0] < 1 || rowsPerCall < 1) {
            throw new IllegalArgumentException("a group of " + shape[0] + " rows in calls of " + rowsPerCall + " with "
                    + values.length + " values");
        }
        checkAcceptsRows(Arrays.copyOfRange(shape, 1, shape.length));
        int replies = InferenceWorker.replies(shape[0], rowsPerCall);
        long full = Math.min(rowsPerCall, shape[0]);
        long last = shape[0] - (long) (replies - 1) * rowsPerCall;
        if (inputShape[0] > 0 && (full != inputShape[0] || last != inputShape[0])) {
            throw new InferenceException(FailureCode.DATASET_INVALID, "model takes batches of exactly " + inputShape[0]
                    + " rows but the dataset's last batch has " + (full != inputShape[0] ? full : last) + "; give it a multiple of "
                    + inputShape[0] + " rows");
        }
        InferenceWorker w = liveWorker();
        int read = 0;
        try {
            try {
                w.sendRows(inputName, shape, values, floats, rowsPerCall, output);
            } catch (IOException e) {
                throw workerFailed(e, shape);
            }
            for (; read < replies; read++) {
                WorkerReplies.Ran ran;
                try {
                    ran = w.readRows(signed, output);
                } catch (IOException | WorkerReplies.Malformed e) {
                    throw workerFailed(e, shape);
                }
                int rows = (int) Math.min(rowsPerCall, shape[0] - (long) read * rowsPerCall);
                if (ran.failure() != null) {
                    read = replies;   // a failure is the group's last reply: the worker waits for the next request
                    throw new InferenceException(FailureCode.INFERENCE_FAILED, MODEL_FAILED_ON_INPUT + " '" + inputName
                            + "' of shape " + Arrays.toString(callShape(shape, rows)) + " (model input shape " + shapeText(inputShape) + ")",
                            new OnnxRuntimeText(ran.failure().onnxRuntimeText()));
                }
                BatchOutput out = batchOutput(ran);
                try {
                    sink.accept(out, rows);
                } finally {
                    wipe(out);
                }
            }
        } finally {
            if (read < replies) {
                stopWorker();   // replies left unread: this worker can no longer be spoken to
            }
        }
    }

    /** The worker's pipe failed or it answered garbage: stopped, and the run fails in Veil's words. */
    private InferenceException workerFailed(Exception e, long[] shape) throws InferenceException {
        stopWorker();
        requireNotTerminated();
        return workerFailed(e, "'" + inputName + "' of shape " + Arrays.toString(shape));
    }

    private static long[] callShape(long[] shape, int rows) {
        long[] s = shape.clone();
        s[0] = rows;
        return s;
    }

    private static BatchOutput batchOutput(WorkerReplies.Ran ran) throws InferenceException {
        List<FloatTensor> floats = new ArrayList<>();
        List<long[]> longs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Tensor t : ran.outputs()) {
            if (t.type() == ElementType.FLOAT32) {
                floats.add(new FloatTensor(t.shape(), t.floats()));
                longs.add(null);
            } else {
                long[] v = t.longs();
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = v[i];
                }
                floats.add(new FloatTensor(t.shape(), f));
                longs.add(v);
            }
            names.add(t.name());
            t.wipe();
        }
        if (floats.isEmpty()) {
            throw new InferenceException(FailureCode.INFERENCE_FAILED, "model produced no float32 or int64 tensor output");
        }
        return new BatchOutput(floats, longs, names);
    }

    private static BatchOutput copy(BatchOutput out) {
        List<FloatTensor> floats = new ArrayList<>();
        out.floats().forEach(t -> floats.add(new FloatTensor(t.shape(), t.values().clone())));
        List<long[]> longs = new ArrayList<>();
        out.int64s().forEach(v -> longs.add(v == null ? null : v.clone()));
        return new BatchOutput(floats, longs, List.copyOf(out.names()));
    }

    /** Zeroes a batch's outputs: they are the data provider's results. */
    static void wipe(BatchOutput out) {
        out.floats().forEach(t -> Arrays.fill(t.values(), 0f));
        out.int64s().forEach(v -> {
            if (v != null) {
                Arrays.fill(v, 0L);
            }
        });
    }

    /** Stops the current run at once (from any thread) by killing the worker; later runs fail at once. */
    public void terminate() {
        terminated = true;
        InferenceWorker w = worker;
        if (w != null) {
            w.kill();
        }
    }

    @Override
    public void requireNotTerminated() throws InferenceException {
        if (terminated) {
            throw new InferenceException(FailureCode.TIMEOUT, "the model run was terminated after the contract's time limit");
        }
    }

    /** The worker process now running, if any: tests watch it exit. */
    ProcessHandle workerProcess() {
        InferenceWorker w = worker;
        return w == null ? null : w.handle();
    }

    /**
     * Closes ONNX Runtime's session by ending the worker process: true only once that process has exited (so a receipt
     * may say the session was closed). The kept model bytes are wiped either way; the private directory is removed once
     * the worker has exited.
     */
    public synchronized boolean closeSession() {
        closing = true;
        if (prestarted != null) {
            prestarted.stop();   // taken from the reserve but never started on: it has loaded nothing
            prestarted = null;
        }
        if (!closed) {
            InferenceWorker w = worker;
            if (w == null || w.close()) {
                worker = null;
                closed = true;
                removeEmptyDir();
                if (reserve != null) {
                    reserve.refill();   // the next session's worker starts once this one's has exited
                }
            }
            Arrays.fill(model, (byte) 0);
        }
        return closed;
    }

    @Override
    public void close() {
        closeSession();
    }

    static Path createEmptyDir(Path parent) throws InferenceException {
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

    private static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return sb.append(']').toString();
    }
}
