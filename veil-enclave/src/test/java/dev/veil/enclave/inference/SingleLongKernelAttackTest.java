package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.FloatTensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile model that spends its time inside ONE kernel (issue 7 item 5, "an inference time limit from the contract
 * enforced"). ONNX Runtime checks {@code RunOptions.setTerminate} only between nodes, so the endless Loop of
 * {@code CeremonyAvailabilityTest} is stopped, but a single Conv over a large tensor expanded from the input (a few
 * bytes of model, memory bounded by MLAS's working buffer) runs to its end whatever the time limit says: the run
 * cannot be terminated, the session stays RUNNING, both providers wait and the enclave's cores burn for as long as
 * the model provider likes (this one takes tens of seconds on one thread; 4096x4096 with a 512x512 kernel takes
 * hours). Measured here: terminate requested at 100 ms, a 1024/128 variant still ran 14.5 s.
 *
 * <p>Expected safe behaviour: once the time limit passes, the run ends (the model runs somewhere it can be stopped,
 * e.g. a child process that is killed, or such a model is refused by a cost bound before loading) and the caller
 * gets {@link FailureCode#TIMEOUT} soon after. The 10 s below is a bound on waiting for an answer that on the fixed
 * code arrives at once; the kernel alone takes several times longer even on a fast idle machine.
 */
class SingleLongKernelAttackTest {
    @TempDir
    Path scratch;

    private static ProtoWriter int64s(String name, long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return new ProtoWriter().varint(1, v.length).varint(2, 7).string(8, name).bytes(9, b.array());
    }

    private static ProtoWriter keepdimsZero() {
        return new ProtoWriter().string(1, "keepdims").varint(3, 0).varint(20, 2);
    }

    /** y[N,4] = sum(Conv(Expand(sum(x), [1,1,h,h]), ones[1,1,k,k])): one Conv node does all the work. */
    static byte[] oneLongConv(int h, int k) {
        ProtoWriter one = new ProtoWriter().varint(1, 1).varint(2, 1).string(8, "one").bytes(9, new byte[] {0, 0, (byte) 0x80, 0x3f});
        ProtoWriter graph = new ProtoWriter()
                .message(1, ExternalDataModels.node("ReduceSum", new String[] {"x"}, "s").message(5, keepdimsZero()))
                .message(1, ExternalDataModels.node("Expand", new String[] {"s", "shape_in"}, "big"))
                .message(1, ExternalDataModels.node("ConstantOfShape", new String[] {"shape_w"}, "w")
                        .message(5, new ProtoWriter().string(1, "value").message(5, one).varint(20, 4)))
                .message(1, ExternalDataModels.node("Conv", new String[] {"big", "w"}, "c"))
                .message(1, ExternalDataModels.node("ReduceSum", new String[] {"c"}, "t").message(5, keepdimsZero()))
                .message(1, ExternalDataModels.node("Expand", new String[] {"t", "shape_out"}, "y"))
                .string(2, "one-long-kernel")
                .message(5, int64s("shape_in", 1, 1, h, h))
                .message(5, int64s("shape_w", 1, 1, k, k))
                .message(5, int64s("shape_out", 1, 4))
                .message(11, ExternalDataModels.valueInfo("x", 4))
                .message(12, ExternalDataModels.valueInfo("y", 4));
        return new ProtoWriter().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, 13)).toBytes();
    }

    @Test
    void singleLongKernelIsStoppedAtTheTimeLimit() throws Exception {
        // In a JVM of its own: a kernel that is not stopped can only be ended by ending its process, which the test
        // does as soon as it has its answer, so a failing run costs the machine seconds, not the kernel's minutes.
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + scratch, "-cp", classpath, RunOneLongKernel.class.getName(), scratch.toString())
                .redirectErrorStream(true).start();
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // the child was ended
                }
            }, "child-output");
            reader.setDaemon(true);
            reader.start();
            String line;
            do {
                line = lines.poll(5, TimeUnit.MINUTES);
            } while (line != null && !line.startsWith(RunOneLongKernel.RUNNING));
            assertThat(line).as("the child started the run").isNotNull();
            // terminate was requested 100 ms after this line; a run that honours it answers at once
            String outcome = lines.poll(10, TimeUnit.SECONDS);
            assertThat(outcome).as("the run ended after its time limit").isEqualTo(RunOneLongKernel.ENDED + FailureCode.TIMEOUT);
        } finally {
            child.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
        }
    }

    /** Runs the hostile model as the enclave does, with its time limit, and prints how the run ended. */
    public static final class RunOneLongKernel {
        static final String RUNNING = "running";
        static final String ENDED = "ended: ";

        public static void main(String[] args) throws Exception {
            // 3072x3072 input, 512x512 kernel: about 3.4e12 floating-point operations in one node, half a minute on one
            // fast core; the time limit is 100 ms.
            byte[] model = oneLongConv(3072, 512);
            ModelRunner runner = new ModelRunner(model, Signatures.of(model), 1, Path.of(args[0]));
            runner.terminateAfter(Duration.ofMillis(100));
            System.out.println(RUNNING);
            try {
                runner.runBatch(new FloatTensor(new long[] {1, 4}, new float[4]));
                System.out.println(ENDED + "completed");
            } catch (InferenceException e) {
                System.out.println(ENDED + e.code());
            }
            runner.close();
        }
    }
}
