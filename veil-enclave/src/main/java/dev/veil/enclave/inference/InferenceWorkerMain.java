package dev.veil.enclave.inference;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import dev.veil.protocol.contract.ValueType;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.Tensor;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The inference worker: the child process in which ONNX Runtime loads and runs the model, so that the enclave can stop
 * a model that computes for too long by ending the process ({@link ModelRunner} explains why). It speaks
 * {@link WorkerProtocol} on its standard input and output and writes nothing else there: Java's own printing goes to
 * standard error, which the enclave discards, and so does whatever ONNX Runtime or the JVM writes there.
 *
 * <p>It runs in an empty private directory (its working directory, also ONNX Runtime's folder for external
 * initializers, and its HOME), with telemetry off, logging only what is fatal, and reads the data provider's inputs
 * from the pipe into direct buffers that are reused and zeroed after every run; nothing is written to disk.
 * Its requests come from the enclave and are read without ceremony; its replies are what the enclave distrusts.
 */
public final class InferenceWorkerMain {
    private static final byte[] ZEROS = new byte[1 << 16];
    /** Linux's weight for the OOM killer's choice of this process, and its maximum: always chosen first. */
    private static final Path OOM_SCORE_ADJ = Path.of("/proc/self/oom_score_adj");
    private static final int OOM_SCORE_ADJ_MAX = 1000;
    private final OrtEnvironment env;
    private final OrtLoggingLevel logLevel;
    private final PipeInput in;
    private final DataOutputStream out;
    private OrtSession session;
    private OrtSession.RunOptions runOptions;
    /** The model's output names in its order: a reply names an output by its index here. */
    private final Map<String, Integer> outputIndex = new HashMap<>();
    /** The model's output names in its order: a ROWS request names the one it wants by its index here. */
    private final List<String> outputNames = new ArrayList<>();
    private final Map<String, ByteBuffer> inputBuffers = new HashMap<>();

    private InferenceWorkerMain(OrtEnvironment env, OrtLoggingLevel logLevel, ReadableByteChannel in, OutputStream out) {
        this.env = env;
        this.logLevel = logLevel;
        this.in = new PipeInput(in, 1 << 16);
        this.out = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
    }

    /** {@code args[0]}: ONNX Runtime's logging level ({@link OrtRuntime#LOG_LEVEL} but in tests). */
    public static void main(String[] args) {
        OutputStream protocol = new FileOutputStream(FileDescriptor.out);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));   // nothing else on the channel
        OrtLoggingLevel level = args.length > 0 ? OrtLoggingLevel.valueOf(args[0]) : OrtRuntime.LOG_LEVEL;
        firstToGoWhenMemoryRunsOut();
        int exit;
        try {
            InferenceWorkerMain worker = new InferenceWorkerMain(OrtRuntime.environment(level), level,
                    new FileInputStream(FileDescriptor.in).getChannel(), protocol);
            exit = worker.serve();
        } catch (IOException | RuntimeException e) {
            exit = 3;   // the enclave sees the pipe end and reports the failure in its own words
        }
        System.exit(exit);
    }

    /**
     * Makes this process the kernel's first choice when memory runs out. ONNX Runtime allocates outside the JVM's heap
     * (-Xmx bounds only the worker's Java copies), so a model can grow its native memory with the data (an Expand to a
     * cell's value) until the machine, or the enclave's cgroup, is out of memory. The OOM killer would then pick by
     * resident size, and could pick the enclave, whose heap holds the model: the session would end with no discard receipt
     * and no answer, an outcome the model provider sees and the data chose. With the highest score (which any process may
     * give itself) the worker goes first, and the run fails as a worker that died does ({@code inference_failed}).
     */
    private static void firstToGoWhenMemoryRunsOut() {
        try {
            Files.writeString(OOM_SCORE_ADJ, Integer.toString(OOM_SCORE_ADJ_MAX));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // not Linux, or no /proc: the kernel's choice is left as it is
        }
    }

    private int serve() throws IOException {
        out.write(WorkerProtocol.HELLO);
        out.flush();
        while (true) {
            int op = in.read();
            if (op < 0 || op == WorkerProtocol.CLOSE) {
                closeSession();
                return 0;
            }
            if (op == WorkerProtocol.LOAD && session == null) {
                load();
            } else if (op == WorkerProtocol.RUN && session != null) {
                run();
            } else {
                return 4;   // out of order: the enclave does not send this
            }
            out.flush();
        }
    }

    private void load() throws IOException {
        int threads = in.readInt();
        byte[] model = new byte[in.readInt()];
        try {
            in.readFully(model);
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                so.setIntraOpNumThreads(threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors()));
                so.addConfigEntry(ModelRunner.EXTERNAL_INITIALIZERS_FOLDER, Path.of("").toAbsolutePath().toString());
                so.addConfigEntry(ModelRunner.LOAD_MODEL_FORMAT, "ONNX");
                so.setSessionLogLevel(logLevel);
                // ONNX Runtime's pool threads spin after each parallel section, waiting for more work. Here the work comes in
                // over a pipe, and the enclave that decrypts and parses it shares the same cores: spinning burned 0.3 s of CPU
                // per million digits rows and 0.6 to 0.8 s per 8 OCR detector images (measured), with no gain in wall time.
                so.addConfigEntry(ModelRunner.ALLOW_SPINNING, "0");
                session = env.createSession(model, so);
                runOptions = new OrtSession.RunOptions();
                runOptions.setLogLevel(logLevel);
            } catch (OrtException e) {
                failed(WorkerProtocol.REFUSED_MODEL, 0, e);
                return;
            }
        } finally {
            Arrays.fill(model, (byte) 0);   // ONNX Runtime holds its own copy now
            in.wipeConsumed();
        }
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            WholeReply reply = new WholeReply();
            reply.data.writeByte(WorkerProtocol.OK);
            describe(reply.data, inputs);
            describe(reply.data, outputs);
            int i = 0;
            for (String name : outputs.keySet()) {
                outputIndex.put(name, i++);
                outputNames.add(name);
            }
            reply.bytes.writeTo(out);
        } catch (OrtException e) {
            failed(WorkerProtocol.METADATA_UNREADABLE, 0, e);
        }
    }

    private static void describe(DataOutputStream o, Map<String, NodeInfo> values) throws IOException {
        o.writeShort(values.size());
        for (NodeInfo v : values.values()) {
            writeString(o, v.getName());
            if (v.getInfo() instanceof TensorInfo t) {
                o.writeByte(WorkerProtocol.KIND_TENSOR);
                ValueType type = valueType(t);
                writeString(o, type == null ? "" : type.id());
                long[] shape = t.getShape();
                String[] names = t.getDimensionNames();
                o.writeByte(shape.length);
                for (int i = 0; i < shape.length; i++) {
                    o.writeLong(shape[i]);
                    writeString(o, names[i] == null ? "" : names[i]);
                }
            } else {
                o.writeByte(v.getInfo() instanceof SequenceInfo ? WorkerProtocol.KIND_SEQUENCE
                        : v.getInfo() instanceof MapInfo ? WorkerProtocol.KIND_MAP : WorkerProtocol.KIND_OTHER);
                writeString(o, "");
                o.writeByte(0);
            }
        }
    }

    /**
     * The element type by its name: ONNX Runtime for Java numbers its {@code OnnxTensorType} constants its own way
     * ({@code value} 10 is float), not by ONNX's codes, so the numbers are never compared.
     */
    static ValueType valueType(TensorInfo t) {
        String prefix = "ONNX_TENSOR_ELEMENT_DATA_TYPE_";
        String name = t.onnxType.name();
        if (!name.startsWith(prefix)) {
            return null;
        }
        return switch (name.substring(prefix.length())) {
            case "FLOAT" -> ValueType.FLOAT32;
            case "DOUBLE" -> ValueType.FLOAT64;
            case "UNDEFINED", "SEQUENCE", "MAP" -> null;
            default -> {
                try {
                    ValueType v = ValueType.valueOf(name.substring(prefix.length()));
                    yield v.isTensor() ? v : null;
                } catch (IllegalArgumentException e) {
                    yield null;
                }
            }
        };
    }

    private void run() throws IOException {
        int mode = in.readUnsignedByte();
        int rowsPerCall = mode == WorkerProtocol.MODE_ROWS ? in.readInt() : 0;
        int output = mode == WorkerProtocol.MODE_ROWS ? (short) in.readUnsignedShort() : WorkerProtocol.EVERY_ROWS_OUTPUT;
        int count = in.readUnsignedShort();
        List<ByteBuffer> used = new ArrayList<>();
        try {
            // The whole request is read before ONNX Runtime sees any of it, so a failure never leaves bytes unread.
            List<String> names = new ArrayList<>(count);
            List<ElementType> types = new ArrayList<>(count);
            List<long[]> shapes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String name = readString();
                ElementType type = ElementType.ofId(readString());
                long[] shape = new long[in.readUnsignedByte()];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                }
                int bytes = Math.toIntExact(Math.multiplyExact(Tensor.elementCount(shape), (long) type.byteSize()));
                ByteBuffer b = inputBuffer(name, bytes);
                used.add(b);
                b.limit(bytes);
                in.readFully(b);   // from the pipe into the buffer ONNX Runtime reads
                b.flip();
                names.add(name);
                types.add(type);
                shapes.add(shape);
            }
            if (mode == WorkerProtocol.MODE_ROWS) {
                runRows(names.get(0), types.get(0), shapes.get(0), used.get(0), rowsPerCall, output);
            } else {
                List<ByteBuffer> views = new ArrayList<>(count);
                used.forEach(b -> views.add(b.duplicate().order(ByteOrder.nativeOrder())));
                call(mode, names, types, shapes, views, WorkerProtocol.EVERY_ROWS_OUTPUT);
            }
        } finally {
            in.wipeConsumed();
            for (ByteBuffer b : used) {
                zero(b);   // the data provider's values, as ONNX Runtime read them
            }
        }
    }

    /**
     * Runs a group of rows in calls of {@code rowsPerCall} rows, each call on a view of the one input buffer (no copy),
     * replying to each with the one output asked for (or every float32 and int64 output); the first failure is the last
     * reply.
     */
    private void runRows(String name, ElementType type, long[] shape, ByteBuffer all, int rowsPerCall, int output) throws IOException {
        long rows = shape[0];
        int rowBytes = Math.toIntExact(Tensor.elementCount(shape) / Math.max(1, rows) * type.byteSize());
        int step = Math.max(1, rowsPerCall);
        for (long first = 0; first < rows || first == 0; first += step) {
            long n = Math.min(step, rows - first);
            long[] part = shape.clone();
            part[0] = n;
            ByteBuffer view = all.duplicate();
            view.position(Math.toIntExact(first * rowBytes)).limit(Math.toIntExact((first + n) * rowBytes));
            if (!call(WorkerProtocol.MODE_ROWS, List.of(name), List.of(type), List.of(part), List.of(view.slice().order(ByteOrder.nativeOrder())), output)) {
                return;
            }
            if (rows == 0) {
                return;
            }
        }
    }

    /**
     * One ONNX Runtime call and its reply; false when it failed (the reply said so). With an {@code output} index,
     * ONNX Runtime is asked for that output only, so no other is copied out of it.
     */
    private boolean call(int mode, List<String> names, List<ElementType> types, List<long[]> shapes, List<ByteBuffer> data,
                         int output) throws IOException {
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            for (int i = 0; i < names.size(); i++) {
                feed.put(names.get(i), OnnxTensor.createTensor(env, data.get(i), shapes.get(i), OrtTensors.javaType(types.get(i))));
            }
            try (OrtSession.Result result = output >= 0 && output < outputNames.size()
                    ? session.run(feed, Set.of(outputNames.get(output)), runOptions) : session.run(feed, runOptions)) {
                return reply(mode, result);
            }
        } catch (OrtException e) {
            failed(WorkerProtocol.RUN_FAILED, 0, e);
            return false;
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /** Writes the outputs, each copied out of ONNX Runtime once and zeroed once sent; false when it sent FAILED. */
    private boolean reply(int mode, OrtSession.Result result) throws IOException, OrtException {
        List<Integer> indices = new ArrayList<>();
        List<OnnxTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, OnnxValue> e : result) {
            if (!(e.getValue() instanceof OnnxTensor t)) {
                continue;   // sequences and maps (e.g. scikit-learn's ZipMap) are not returned
            }
            ElementType type = OrtTensors.elementType(t.getInfo().type);
            boolean rows = type == ElementType.FLOAT32 || type == ElementType.INT64;
            if (mode == WorkerProtocol.MODE_ROWS && !rows) {
                continue;
            }
            if (type == null) {
                failed(WorkerProtocol.OUTPUT_TYPE_UNSUPPORTED, outputIndex.get(e.getKey()), null);
                return false;
            }
            indices.add(outputIndex.get(e.getKey()));
            tensors.add(t);
        }
        out.writeByte(WorkerProtocol.OK);
        out.writeShort(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            OnnxTensor t = tensors.get(i);
            long[] shape = t.getInfo().getShape();
            out.writeShort(indices.get(i));
            writeString(out, OrtTensors.elementType(t.getInfo().type).id());
            out.writeByte(shape.length);
            for (long d : shape) {
                out.writeLong(d);
            }
            ByteBuffer b = t.getByteBuffer();
            byte[] data = b.array();
            out.write(data, b.arrayOffset() + b.position(), b.remaining());
            Arrays.fill(data, (byte) 0);
        }
        return true;
    }

    private ByteBuffer inputBuffer(String name, int bytes) {
        ByteBuffer b = inputBuffers.get(name);
        if (b == null || b.capacity() < bytes) {
            if (b != null) {
                zero(b);
            }
            b = ByteBuffer.allocateDirect(Math.max(bytes, 1)).order(ByteOrder.nativeOrder());
            inputBuffers.put(name, b);
        }
        b.clear();
        return b;
    }

    private static void zero(ByteBuffer b) {
        b.clear();
        while (b.hasRemaining()) {
            b.put(ZEROS, 0, Math.min(ZEROS.length, b.remaining()));
        }
        b.clear();
    }

    /** ONNX Runtime's own text goes back only to be the cause of the enclave's exception, which nothing shows. */
    private void failed(int reason, int index, OrtException e) throws IOException {
        out.writeByte(WorkerProtocol.FAILED);
        out.writeByte(reason);
        out.writeShort(index);
        String text = e == null || e.getMessage() == null ? "" : e.getMessage();
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(utf8.length, WorkerProtocol.MAX_TEXT_BYTES);
        out.writeShort(n);
        out.write(utf8, 0, n);
    }

    private void closeSession() {
        try {
            if (session != null) {
                session.close();
            }
        } catch (OrtException ignored) {
            // the process ends next, which releases everything
        }
        if (runOptions != null) {
            runOptions.close();
        }
        inputBuffers.values().forEach(InferenceWorkerMain::zero);
    }

    private String readString() throws IOException {
        byte[] b = new byte[in.readUnsignedShort()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void writeString(DataOutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > WorkerProtocol.MAX_STRING_BYTES) {
            b = Arrays.copyOf(b, WorkerProtocol.MAX_STRING_BYTES + 1);   // the enclave refuses it, as it should
        }
        o.writeShort(b.length);
        o.write(b);
    }

    /** A reply built whole before it is sent, so a failure half-way sends a FAILED reply and nothing else. */
    private static final class WholeReply {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        final DataOutputStream data = new DataOutputStream(bytes);
    }
}
