package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtLoggingLevel;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inference worker as an attacker would use it: a worker that dies mid-run, one that answers garbage (a hostile
 * model that took over ONNX Runtime answers what it likes), a session reported closed while its model still runs, and
 * ONNX Runtime's log text, which quotes the data provider's cells, on its way to the enclave's log.
 */
class InferenceWorkerAttackTest {
    @TempDir
    Path scratch;

    private static final NamedTensors X = NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 3}, new float[3]));

    @Test
    void workerKilledMidRunGivesInferenceFailedNotAHang() throws Exception {
        byte[] model = TypedModels.endlessLoop();
        try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1, scratch)) {
            ProcessHandle worker = r.workerProcess();
            Duration idle = cpu(worker);
            CompletableFuture<NamedTensors> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return r.run(X);   // no time limit of its own: only the worker's death can end it
                } catch (InferenceException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            while (cpu(worker).minus(idle).toMillis() < 200) {   // the endless Loop is running in the worker
                Thread.sleep(20);
            }
            worker.destroyForcibly();   // as a crash of ONNX Runtime would end it
            Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> run.get(60, TimeUnit.SECONDS));
            assertThat(failure).as("the run ended instead of hanging").isInstanceOf(ExecutionException.class);
            assertThat(failure.getCause()).isInstanceOf(InferenceException.class)
                    .hasMessage(ModelRunner.MODEL_FAILED_ON_INPUT + " ('x' float32 [1, 3]): the inference worker ended during the run");
            assertThat(((InferenceException) failure.getCause()).code()).isEqualTo(FailureCode.INFERENCE_FAILED);
            // the runner starts a new worker for the next run, which its own time limit ends
            assertThatThrownBy(() -> r.run(X, Duration.ofMillis(300)))
                    .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(FailureCode.TIMEOUT));
        }
    }

    private static Duration cpu(ProcessHandle p) {
        return p.info().totalCpuDuration().orElseThrow();
    }

    /** y: float32 [N, 3] and c: int64 [N] as the worker's replies name them, by index. */
    private static final ModelSignature SIGNED = new ModelSignature(
            List.of(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(3))),
            List.of(ValueSignature.tensor("y", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(3)),
                    ValueSignature.tensor("c", ValueType.INT64, Dim.free("N"))));
    private static final long MAX = 1L << 20;

    private interface Reply {
        void write(DataOutputStream o) throws IOException;
    }

    private static DataInputStream reply(Reply r) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(b);
        r.write(o);
        return new DataInputStream(new ByteArrayInputStream(b.toByteArray()));
    }

    private static void string(DataOutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        o.writeShort(b.length);
        o.write(b);
    }

    private static void output(DataOutputStream o, int index, String type, long... shape) throws IOException {
        o.writeShort(index);
        string(o, type);
        o.writeByte(shape.length);
        for (long d : shape) {
            o.writeLong(d);
        }
    }

    private static void assertMalformed(String what, Reply r) {
        assertThatThrownBy(() -> WorkerReplies.readRan(reply(r), SIGNED, false, MAX)).as(what)
                .isInstanceOf(WorkerReplies.Malformed.class)
                .hasMessageStartingWith("the inference worker's reply was malformed");
    }

    @Test
    void workerGarbageReplyIsRefused() throws Exception {
        // what a worker running Veil's code sends is read as it was meant
        WorkerReplies.Ran honest = WorkerReplies.readRan(reply(o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            output(o, 1, "int64", 1);
            o.write(new byte[] {7, 0, 0, 0, 0, 0, 0, 0});
        }), SIGNED, false, MAX);
        assertThat(honest.outputs()).hasSize(1);
        assertThat(honest.outputs().get(0).name()).isEqualTo("c");   // named by the contract, never by the worker
        assertThat(honest.outputs().get(0).longs()).containsExactly(7L);

        assertMalformed("an unknown status", o -> o.writeByte(9));
        assertMalformed("more outputs than the model has", o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(3);
        });
        assertMalformed("an output index past the model's", o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            output(o, 2, "float32", 0);
        });
        assertMalformed("one output twice", o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(2);
            output(o, 1, "int64", 0);
            output(o, 1, "int64", 0);
        });
        assertMalformed("another element type than the contract's", o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            output(o, 0, "float64", 0);
        });
        assertMalformed("a size that would make the enclave allocate terabytes", o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            output(o, 0, "float32", 1L << 20, 1L << 20, 3);
        });
        assertMalformed("a size that overflows", o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            output(o, 0, "float32", Long.MAX_VALUE / 2, 3);
        });
        assertMalformed("a negative dimension", o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            output(o, 0, "float32", -1, 3);
        });
        assertMalformed("a rank past a tensor's", o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            output(o, 0, "float32", new long[Tensor.MAX_RANK + 1]);
        });
        assertMalformed("a failure reason a run cannot have", o -> {
            o.writeByte(WorkerProtocol.FAILED);
            o.writeByte(WorkerProtocol.REFUSED_MODEL);
            o.writeShort(0);
            string(o, "");
        });
        assertMalformed("ONNX Runtime text that is not UTF-8", o -> {
            o.writeByte(WorkerProtocol.FAILED);
            o.writeByte(WorkerProtocol.RUN_FAILED);
            o.writeShort(0);
            o.writeShort(2);
            o.write(new byte[] {(byte) 0xc3, 0x28});
        });
        assertMalformed("ONNX Runtime text past its bound", o -> {
            o.writeByte(WorkerProtocol.FAILED);
            o.writeByte(WorkerProtocol.RUN_FAILED);
            o.writeShort(0);
            string(o, "9".repeat(WorkerProtocol.MAX_TEXT_BYTES + 1));
        });
        assertThatThrownBy(() -> WorkerReplies.readRan(reply(o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            output(o, 0, "float32", 1000, 3);
            o.write(new byte[12]);   // then the worker ends
        }), SIGNED, false, MAX)).as("a reply cut short").isInstanceOf(IOException.class);

        // the load reply: names, kinds, types and shapes are bounded and known
        assertThatThrownBy(() -> WorkerReplies.readLoaded(reply(o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            string(o, "x".repeat(WorkerProtocol.MAX_STRING_BYTES + 1));
        }))).isInstanceOf(WorkerReplies.Malformed.class);
        assertThatThrownBy(() -> WorkerReplies.readLoaded(reply(o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(ModelSignature.MAX_VALUES + 1);
        }))).isInstanceOf(WorkerReplies.Malformed.class);
        assertThatThrownBy(() -> WorkerReplies.readLoaded(reply(o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            string(o, "x");
            o.writeByte(WorkerProtocol.KIND_SEQUENCE);
            string(o, "float32");
            o.writeByte(0);
        }))).as("an element type on a sequence").isInstanceOf(WorkerReplies.Malformed.class);
        assertThatThrownBy(() -> WorkerReplies.readHello(reply(o -> o.write("HTTP/1.1".getBytes()))))
                .isInstanceOf(WorkerReplies.Malformed.class);
    }

    /**
     * A run of rows asks the worker for the one output the policy encodes (here 'c', index 1). A worker that answers
     * with another output in its place, or with more than the one asked for, is refused: the encoder would otherwise
     * read a tensor the enclave did not ask for as if it were the one it did.
     */
    @Test
    void workerAnsweringARowsRequestWithAnOutputNotAskedForIsRefused() throws Exception {
        WorkerReplies.Ran honest = WorkerReplies.readRan(reply(o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            output(o, 1, "int64", 1);
            o.write(new byte[] {7, 0, 0, 0, 0, 0, 0, 0});
        }), SIGNED, true, 1, MAX);
        assertThat(honest.outputs()).extracting(Tensor::name).containsExactly("c");

        Reply another = o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(1);
            output(o, 0, "float32", 1, 3);
            o.write(new byte[12]);
        };
        Reply both = o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(2);
            output(o, 0, "float32", 1, 3);
            o.write(new byte[12]);
            output(o, 1, "int64", 1);
            o.write(new byte[8]);
        };
        Reply none = o -> {
            o.writeByte(WorkerProtocol.OK);
            o.writeShort(0);
        };
        for (Reply r : List.of(another, both, none)) {
            assertThatThrownBy(() -> WorkerReplies.readRan(reply(r), SIGNED, true, 1, MAX))
                    .isInstanceOf(WorkerReplies.Malformed.class)
                    .hasMessageContaining("other outputs than the one asked for");
        }
        // asked for every output, the same replies are what a worker running Veil's code sends
        assertThat(WorkerReplies.readRan(reply(both), SIGNED, true, WorkerProtocol.EVERY_ROWS_OUTPUT, MAX).outputs()).hasSize(2);
    }

    @Test
    void sessionClosedOnlyAfterTheWorkerExited() throws Exception {
        // One long kernel: the run's terminate flag is never looked at; only ending the worker stops it.
        byte[] model = SingleLongKernelAttackTest.oneLongConv(3072, 512);
        ModelRunner r = new ModelRunner(model, Signatures.of(model), 1, scratch);
        ProcessHandle worker = r.workerProcess();
        Duration idle = cpu(worker);
        CompletableFuture<FailureCode> run = CompletableFuture.supplyAsync(() -> {
            try {
                r.runBatch(new FloatTensor(new long[] {1, 4}, new float[4]));
                return null;
            } catch (InferenceException e) {
                return e.code();
            }
        });
        while (cpu(worker).minus(idle).toMillis() < 200) {   // the kernel is running
            Thread.sleep(20);
        }
        r.terminate();
        assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(FailureCode.TIMEOUT);
        assertThat(r.closeSession()).isTrue();
        assertThat(worker.isAlive()).as("the worker that ran the model has exited when the session is reported closed").isFalse();
        assertThat(scratch.toFile().list()).as("its private directory was removed").isEmpty();

        byte[] honest = TypedModels.twoInputs();
        ModelRunner closing = new ModelRunner(honest, Signatures.of(honest), 1, scratch);
        ProcessHandle idleWorker = closing.workerProcess();
        assertThat(closing.closeSession()).isTrue();
        assertThat(idleWorker.isAlive()).isFalse();
        assertThatThrownBy(() -> closing.run(X)).hasMessage("the model's session is closed");
    }

    @Test
    void workerStderrNeverReachesTheLog() throws Exception {
        // The worker logs everything ONNX Runtime says (VERBOSE), and the failing kernel's text quotes the cells.
        Path model = Files.write(scratch.resolve("hostile.onnx"), reshapeByInputValues());
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + scratch, "-cp", classpath, RunWithAVerboseWorker.class.getName(), model.toString(),
                scratch.resolve("work").toString());
        pb.redirectErrorStream(true).redirectOutput(scratch.resolve("enclave.log").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String log = Files.readString(scratch.resolve("enclave.log"));
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(log).contains("refused as expected: inference_failed");
        assertThat(number(log, "987654")).as("the enclave's standard output and error: %s", log).isFalse();
        assertThat(number(log, "4321")).as("the enclave's standard output and error: %s", log).isFalse();
    }

    private static boolean number(String text, String n) {
        return Pattern.compile("(?<![0-9A-Za-z+/])" + Pattern.quote(n) + "(?![0-9A-Za-z+/])").matcher(text).find();
    }

    /** x: float32 [N, 2] → y = Reshape(x, int64(x)): the data provider's two cells become the requested shape. */
    static byte[] reshapeByInputValues() {
        ByteBuffer minusOne = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1);
        ProtoWriter graph = new ProtoWriter()
                .message(1, TypedModels.node("Reshape", "flat", "x", "minus_one"))
                .message(1, TypedModels.cast("flat", "shape", TypedModels.INT64))
                .message(1, TypedModels.node("Reshape", "y", "x", "shape"))
                .string(2, "reshape-by-values")
                .message(5, new ProtoWriter().varint(1, 1).varint(2, TypedModels.INT64).string(8, "minus_one").bytes(9, minusOne.array()))
                .message(11, TypedModels.value("x", TypedModels.FLOAT, "N", 2))
                .message(12, new ProtoWriter().string(1, "y").message(2, new ProtoWriter().message(1,
                        new ProtoWriter().varint(1, TypedModels.FLOAT))));
        return ExternalDataModels.model(graph);
    }

    /** The enclave's way of running a model, its worker logging verbosely, in a JVM whose descriptors the test reads. */
    public static final class RunWithAVerboseWorker {
        public static void main(String[] args) throws Exception {
            Path work = Files.createDirectories(Path.of(args[1]));
            NativeLibraries.prepare(work);
            byte[] model = Files.readAllBytes(Path.of(args[0]));
            try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1, work, ModelRunner.DEFAULT_LOAD_LIMIT, true,
                    OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE)) {
                r.runBatch(new FloatTensor(new long[] {1, 2}, new float[] {987654f, 4321f}));
                System.out.println("the hostile model ran: the test's premise is wrong");
            } catch (InferenceException expected) {
                System.out.println("refused as expected: " + expected.code());
            }
        }
    }
}
