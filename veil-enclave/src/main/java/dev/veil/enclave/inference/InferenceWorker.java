package dev.veil.enclave.inference;

import ai.onnxruntime.OrtLoggingLevel;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.tensor.Tensor;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The enclave's side of one inference worker process ({@link InferenceWorkerMain}): starts it, sends it requests,
 * reads its replies through {@link WorkerReplies}, and ends it. Any thread may {@link #kill()} it, which is how a
 * deadline stops a model: the request under way then fails with an {@link IOException} as the pipes close.
 *
 * <p>The worker is the JVM the enclave runs on ({@code java.home}), with the entries of the enclave's class path that
 * hold its code ({@link #classPath}: measured code, as the whole class path is), a heap sized for the model, and only
 * the settings it needs: where ONNX Runtime's verified native libraries are, and the temp directory. Its environment is cleared but for telemetry off, HOME and the locale (which
 * decides how the class path's file names are decoded); its working directory is the runner's empty private
 * directory. The JVM is told to print nothing on its standard output (the protocol channel), to write no crash report
 * or core dump (either would hold the data it was working on) and no performance-data file. Its standard error is
 * sent to the null device: ONNX Runtime's text can quote the data provider's cells, and it never reaches the
 * enclave's log.
 */
final class InferenceWorker {
    /** How long a worker told to close may take to exit before it is killed. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
    /** How long a killed worker is waited for: SIGKILL ends a process unless the kernel holds it. */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "veil-inference-deadlines");
        t.setDaemon(true);
        return t;
    });

    /** The worker's young generation (see {@link #start}). */
    private static final long YOUNG_GENERATION_BYTES = 16L << 20;

    private final Process process;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final long maxTensorBytes;
    /** The data provider's floats as little-endian bytes, on their way to the worker; zeroed after every batch. */
    private final byte[] chunk = new byte[1 << 16];

    private InferenceWorker(Process process, long heapBytes) {
        this.process = process;
        this.in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
        this.out = new DataOutputStream(process.getOutputStream());
        this.maxTensorBytes = heapBytes;
    }

    /**
     * Starts a worker in {@code workDir} with a heap of {@code heapBytes} (also the most one output of a reply may
     * hold: the worker copies each output onto its heap before it sends it).
     */
    static InferenceWorker start(Path workDir, long heapBytes, OrtLoggingLevel logLevel) throws IOException {
        NativeLibraries.verifyBeforeLoad();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heapBytes);
        cmd.add("-XX:MaxDirectMemorySize=" + heapBytes);   // the reused input buffers
        cmd.add("-XX:+UseSerialGC");
        // A small young generation: every call leaves its output copies behind as garbage, and with the default (a third
        // of the heap) they would pile up to ~80 MiB of resident memory before the first collection.
        cmd.add("-Xmn" + YOUNG_GENERATION_BYTES);
        // The worker's Java code only moves bytes between the pipe and ONNX Runtime: C1 alone compiles it well enough,
        // and skipping C2 cuts the worker's start-up CPU by about a quarter (0.30 s to 0.22 s measured on JDK 17). Long
        // Spark jobs gain nothing from C2 either: a worker running the digits model over 1,000,000 rows in runs of 256
        // spent 0.4-0.5 us of CPU a row with C1 alone, 0.8-1.1 us with C2 (its compiling included), on JDK 17.
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+DisplayVMOutputToStderr");
        cmd.add("-Xlog:disable");
        cmd.add("-XX:+SuppressFatalErrorMessage");
        cmd.add("-XX:-CreateCoredumpOnCrash");
        cmd.add("-XX:-UsePerfData");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        for (String property : new String[] {"onnxruntime.native.path", "java.io.tmpdir"}) {
            String value = System.getProperty(property);
            if (value != null) {
                cmd.add("-D" + property + "=" + value);
            }
        }
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(InferenceWorkerMain.class.getName());
        cmd.add(logLevel.name());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        String lang = env.get("LANG");
        String lcAll = env.get("LC_ALL");
        env.clear();
        env.put(OrtRuntime.DISABLE_TELEMETRY, "1");
        env.put("HOME", workDir.toString());
        if (lang != null) {
            env.put("LANG", lang);
        }
        if (lcAll != null) {
            env.put("LC_ALL", lcAll);
        }
        return new InferenceWorker(pb.start(), heapBytes);
    }

    /**
     * The classes whose code sources make the worker's class path: its own code, the protocol and tensor types it
     * reads and writes, ONNX Runtime, JNA (its process limits) and SLF4J's API (referenced by enclave classes it loads).
     */
    private static final List<Class<?>> WORKER_CODE = List.of(InferenceWorkerMain.class, dev.veil.protocol.contract.ValueType.class,
            Tensor.class, ai.onnxruntime.OrtEnvironment.class, com.sun.jna.Native.class, org.slf4j.LoggerFactory.class);

    /**
     * The worker's class path: the code sources (jars or class directories) this process loaded the worker's code from,
     * absolute (the worker runs in its private directory). Each is an entry of the enclave's class path, all of which
     * the measurement covers ({@code CodeMeasurement}); only these few are passed because a JVM opens every entry it is
     * given at start: the Spark launcher's 209 jars cost each worker about 0.2 s more CPU to start than these six.
     */
    static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        for (Class<?> c : WORKER_CODE) {
            try {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath().toString());
            } catch (URISyntaxException | IllegalArgumentException | NullPointerException e) {
                throw new IllegalStateException("cannot locate the code of " + c.getName() + " to pass it to the inference worker", e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** The worker's greeting, then the model: ONNX Runtime's view of its inputs and outputs, or why it refused it. */
    WorkerReplies.Loaded load(byte[] model, int threads) throws IOException, WorkerReplies.Malformed {
        WorkerReplies.readHello(in);
        out.writeByte(WorkerProtocol.LOAD);
        out.writeInt(threads);
        out.writeInt(model.length);
        out.write(model);
        out.flush();
        return WorkerReplies.readLoaded(in);
    }

    /**
     * One run on named, typed inputs; every tensor output of Veil's element types comes back, together at most
     * {@code maxOutputBytes} (past it they are read and dropped: {@link WorkerReplies.TooLarge}).
     */
    WorkerReplies.Ran run(List<Tensor> inputs, ModelSignature signed, long maxOutputBytes)
            throws IOException, WorkerReplies.Malformed, WorkerReplies.TooLarge {
        out.writeByte(WorkerProtocol.RUN);
        out.writeByte(WorkerProtocol.MODE_NAMED);
        out.writeShort(inputs.size());
        for (Tensor t : inputs) {
            writeHeader(t.name(), t.type().id(), t.shape());
            out.write(t.data());
        }
        out.flush();
        return WorkerReplies.readRan(in, signed, false, WorkerProtocol.EVERY_ROWS_OUTPUT, maxTensorBytes, maxOutputBytes);
    }

    /**
     * Sends a group of rows for the model's one float32 input ({@code shape[0]} rows, the first {@code floats} values of
     * {@code values}), to be run in calls of {@code rowsPerCall} rows: read each call's reply with {@link #readRows}, in
     * order, {@link #replies} of them unless one fails. {@code output}: the index of the one output to return, or
     * {@link WorkerProtocol#EVERY_ROWS_OUTPUT}.
     */
    void sendRows(String inputName, long[] shape, float[] values, int floats, int rowsPerCall, int output) throws IOException {
        out.writeByte(WorkerProtocol.RUN);
        out.writeByte(WorkerProtocol.MODE_ROWS);
        out.writeInt(rowsPerCall);
        out.writeShort(output);
        out.writeShort(1);
        writeHeader(inputName, "float32", shape);
        ByteBuffer le = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (int i = 0; i < floats; ) {
                le.clear();
                int n = Math.min(floats - i, chunk.length / Float.BYTES);
                le.asFloatBuffer().put(values, i, n);
                out.write(chunk, 0, n * Float.BYTES);
                i += n;
            }
        } finally {
            Arrays.fill(chunk, (byte) 0);
        }
        out.flush();
    }

    /** How many replies a group of {@code rows} rows run in calls of {@code rowsPerCall} rows gets, when none fails. */
    static int replies(long rows, int rowsPerCall) {
        return (int) Math.max(1, (rows + rowsPerCall - 1) / rowsPerCall);
    }

    /**
     * The next call's reply to {@link #sendRows}: the output asked for (or every float32 and int64 output), or why it
     * failed (the group's last reply).
     */
    WorkerReplies.Ran readRows(ModelSignature signed, int output) throws IOException, WorkerReplies.Malformed {
        return WorkerReplies.readRan(in, signed, true, output, maxTensorBytes);
    }

    private void writeHeader(String name, String typeId, long[] shape) throws IOException {
        writeString(name);
        writeString(typeId);
        out.writeByte(shape.length);
        for (long d : shape) {
            out.writeLong(d);
        }
    }

    private void writeString(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeShort(b.length);
        out.write(b);
    }

    boolean alive() {
        return process.isAlive();
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    /** Ends the worker at once, from any thread; a request under way fails as its pipes close. */
    void kill() {
        process.destroyForcibly();
    }

    /** Kills the worker once {@code limit} has passed, unless the returned deadline is cancelled first. */
    Deadline killAfter(Duration limit) {
        return new Deadline(this, limit);
    }

    /** Kills the worker and waits for it to exit; true once it has. */
    boolean stop() {
        kill();
        return awaitExit(EXIT_WAIT);
    }

    /** Tells the worker to release its session and exit, kills it if it does not; true once it has exited. */
    boolean close() {
        try {
            out.writeByte(WorkerProtocol.CLOSE);
            out.flush();
            out.close();
        } catch (IOException e) {
            // already ended: it is waited for below
        }
        return awaitExit(CLOSE_GRACE) || stop();
    }

    private boolean awaitExit(Duration wait) {
        try {
            boolean exited = process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (exited) {
                in.close();
            }
            return exited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        } catch (IOException e) {
            return true;   // the process has exited; only closing its pipe failed
        }
    }

    /** A time limit on one load or run: the timer kills the worker if the limit passes first. */
    static final class Deadline {
        private final ScheduledFuture<?> timer;
        private volatile boolean passed;

        private Deadline(InferenceWorker worker, Duration limit) {
            timer = DEADLINES.schedule(() -> {
                passed = true;
                worker.kill();
            }, Math.max(0, limit.toMillis()), TimeUnit.MILLISECONDS);
        }

        boolean passed() {
            return passed;
        }

        void cancel() {
            timer.cancel(false);
        }
    }
}
