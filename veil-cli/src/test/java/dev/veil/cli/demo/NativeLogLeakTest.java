package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.NativeLibraries;
import dev.veil.tensor.FloatTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime logs from native code straight to the process's standard error, past SLF4J: a failing kernel writes
 * "requested shape:{987654,4321}", the data provider's cells, into the enclave's log, which the host operator reads.
 * A fresh JVM runs a hostile model the way the enclave does, on data whose values become the failing shape; its
 * standard error and standard output, captured at the file descriptors, must not hold those values.
 */
class NativeLogLeakTest {
    @TempDir
    Path root;

    @Test
    void failingKernelWritesTheDataProvidersCellsToTheEnclavesStandardError() throws Exception {
        Path model = Files.write(root.resolve("hostile.onnx"), HostileOnnx.reshapeByInputValues());
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + root, "-cp", classpath, RunHostileModel.class.getName(), model.toString(),
                root.resolve("work").toString());
        pb.redirectErrorStream(true).redirectOutput(root.resolve("child.log").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String output = Files.readString(root.resolve("child.log"));
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("inference refused as expected");
        assertThat(NumberLeak.in(output, "987654")).as("the child's standard error and output: %s", output).isFalse();
        assertThat(NumberLeak.in(output, "4321")).as("the child's standard error and output: %s", output).isFalse();
    }

    /** The enclave's way of running a model, in a JVM of its own so that native output is seen at the descriptor. */
    public static final class RunHostileModel {
        public static void main(String[] args) throws Exception {
            Path work = Files.createDirectories(Path.of(args[1]));
            NativeLibraries.prepare(work);
            try (ModelRunner r = new ModelRunner(Files.readAllBytes(Path.of(args[0])), dev.veil.cli.demo.TestModelTerms.of(Files.readAllBytes(Path.of(args[0]))).signature(), 1, work)) {
                r.runBatch(new FloatTensor(new long[] {1, 2}, new float[] {987654f, 4321f}));
                System.out.println("the hostile model ran: the test's premise is wrong");
            } catch (InferenceException expected) {
                System.out.println("inference refused as expected: " + expected.code());
            }
        }
    }
}
