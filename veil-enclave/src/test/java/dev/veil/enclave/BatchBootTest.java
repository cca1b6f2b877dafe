package dev.veil.enclave;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.veil.enclave.evidence.CodeMeasurement;
import dev.veil.enclave.evidence.SimEvidenceSource;
import dev.veil.enclave.inference.NativeLibraries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch enclave's boot, in a JVM of its own (what a process has loaded cannot be undone in the shared test JVM):
 * the enclave process never loads ONNX Runtime, whose native code runs only in inference workers, and the first
 * worker is started before the code measurement is made, so that the two overlap.
 */
class BatchBootTest {
    @TempDir
    Path dir;

    @Test
    void theBatchEnclaveNeverLoadsOnnxRuntimeAndStartsItsWorkerBeforeTheMeasurement() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/self/maps")), "reads the process's mapped libraries from /proc");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + dir, "-D" + NativeLibraries.ROOT_PROPERTY + "=" + dir.resolve("natives"),
                "-cp", classpath, Boot.class.getName(), dir.resolve("work").toString());
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String output = Files.readString(dir.resolve("child.log"));
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("worker running when the measurement was made: true")
                .contains("enclave listening").contains("ONNX Runtime mapped in the enclave process: false");
    }

    /** Boots the batch enclave as {@code veil enclave run} does, then reports what its process has mapped. */
    public static final class Boot {
        public static void main(String[] args) throws Exception {
            EnclaveConfig config = EnclaveConfig.simDefaults(Path.of(args[0]));
            try (EnclaveServer server = EnclaveServer.start(config, () -> {
                // the worker's JVM is being started on the reserve's thread; wait (boundedly) until it is a child process
                boolean running = false;
                for (int i = 0; i < 600 && !running; i++) {
                    running = ProcessHandle.current().children().findAny().isPresent();
                    if (!running) {
                        sleep();
                    }
                }
                System.out.println("worker running when the measurement was made: " + running);
                return new SimEvidenceSource(CodeMeasurement.compute(config), false);
            })) {
                System.out.println("enclave listening on " + server.port());
                boolean mapped = Files.readString(Path.of("/proc/self/maps")).contains("libonnxruntime");
                System.out.println("ONNX Runtime mapped in the enclave process: " + mapped);
            }
        }

        private static void sleep() {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
