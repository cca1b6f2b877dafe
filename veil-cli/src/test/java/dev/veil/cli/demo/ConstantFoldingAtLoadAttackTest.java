package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Platform;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SessionLimits;
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
 * A hostile model that does its work while ONNX Runtime LOADS it (issue 7 item 5, the contract's time limit). The
 * enclave creates the ONNX Runtime session with the default graph optimisations, and constant folding executes every
 * node whose inputs are constants: here a Conv of a 4096x4096 tensor (expanded from a scalar initializer, so the model
 * is a few hundred bytes) with a 512x512 kernel, several trillion floating-point operations, all inside
 * {@code OrtEnvironment.createSession}. The run's watchdog fires at the contract's 1 s limit, but no runner exists yet
 * to terminate and session creation cannot be interrupted: both providers wait, and the enclave's cores burn, for as
 * long as the model provider's constants take (measured: with a 1024/128 variant and a 1 s limit the data provider heard "timeout" after 7.7 s;
 * the work grows with the square of each side).
 *
 * <p>Expected safe behaviour: the contract's limit bounds loading as well as running (load where it can be stopped,
 * or without executing the model's nodes), so the data provider hears {@code timeout} soon after the limit. The
 * ceremony runs in a JVM of its own that the test ends once it has its answer, so a failing run costs seconds.
 */
class ConstantFoldingAtLoadAttackTest {
    static final String RUNNING = "running";
    static final String ENDED = "ended: ";

    @TempDir
    Path tempDir;

    @Test
    void modelThatComputesWhileLoadingIsStoppedAtTheContractsTimeLimit() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tempDir, "-cp", classpath, RunCeremony.class.getName(), tempDir.toString())
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
            } while (line != null && !line.startsWith(RUNNING));
            assertThat(line).as("the child started the ceremony").isNotNull();
            // the contract's limit is 1 s; 20 s is a generous wait for an answer that, bounded, comes at once
            String outcome;
            do {
                outcome = lines.poll(20, TimeUnit.SECONDS);
            } while (outcome != null && !outcome.startsWith(ENDED));
            assertThat(outcome).as("the data provider heard of the time limit").isNotNull().contains("timeout");
        } finally {
            child.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
        }
    }

    /** y[N,2] = x + sum(Conv(Expand(1, [1,1,h,h]), Expand(1, [1,1,k,k]))): every input of the Conv is a constant. */
    static byte[] convFoldedAtLoad(int h, int k) {
        Protobuf one = new Protobuf().varint(2, 1).string(8, "one").bytes(9, new byte[] {0, 0, (byte) 0x80, 0x3f});
        Protobuf graph = new Protobuf()
                .message(1, node("Expand", new String[] {"one", "shape_in"}, "big"))
                .message(1, node("Expand", new String[] {"one", "shape_w"}, "w"))
                .message(1, node("Conv", new String[] {"big", "w"}, "c"))
                .message(1, node("ReduceSum", new String[] {"c"}, "t", new Protobuf().string(1, "keepdims").varint(3, 0).varint(20, 2)))
                .message(1, node("Add", new String[] {"x", "t"}, "y"))
                .string(2, "conv-folded-at-load")
                .message(5, one)
                .message(5, int64s("shape_in", 1, 1, h, h))
                .message(5, int64s("shape_w", 1, 1, k, k))
                .message(11, floatRows("x"))
                .message(12, floatRows("y"));
        return new Protobuf().varint(1, 8).string(2, "veil-hostile-test").message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, 13)).toBytes();
    }

    private static Protobuf node(String op, String[] inputs, String output, Protobuf... attributes) {
        Protobuf n = new Protobuf();
        for (String i : inputs) {
            n.string(1, i);
        }
        n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
        for (Protobuf a : attributes) {
            n.message(5, a);
        }
        return n;
    }

    private static Protobuf int64s(String name, long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return new Protobuf().varint(1, v.length).varint(2, 7).string(8, name).bytes(9, b.array());
    }

    /** float[N, 2] */
    private static Protobuf floatRows(String name) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, "N")).message(1, new Protobuf().varint(1, 2));
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, 1).message(2, shape)));
    }

    /** The ceremony on a sim enclave, with the hostile model and a 1 s limit; prints how the data provider's side ended. */
    public static final class RunCeremony {
        public static void main(String[] args) throws Exception {
            byte[] model = convFoldedAtLoad(4096, 512);
            // One ONNX Runtime thread, so that a machine with many cores does not fold the Conv before the wait ends.
            EnclaveConfig oneThread = new EnclaveConfig(Platform.SIM, "127.0.0.1", 0, Path.of(args[0]).resolve("enclave"), 64, 1,
                    1L << 30, 64L << 30, Duration.ofSeconds(30), false);
            try (Ceremony c = new Ceremony(oneThread)) {
                var contract = Ceremony.signed(c.contract(model, OutputPolicy.scores(), c.policy(),
                        SessionLimits.defaults().withMaxInferenceSeconds(1)));
                System.out.println(RUNNING);
                LocalCeremony.Run run = c.run(contract, model, "1,2\n3,4\n".getBytes(StandardCharsets.US_ASCII));
                System.out.println(ENDED + (run.dpError() == null ? "success" : run.dpError().getMessage()));
            }
            System.exit(0);
        }
    }
}
