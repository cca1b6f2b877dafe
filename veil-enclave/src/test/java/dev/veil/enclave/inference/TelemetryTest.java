package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.tensor.FloatTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime's telemetry writes a device id and an event database under the home directory. A fresh JVM (telemetry
 * is decided once per process) with a private HOME loads and runs a model the way the enclave does; nothing may
 * appear under that HOME, nor under the inference worker's own HOME (the runner's private directory).
 */
class TelemetryTest {
    @TempDir
    Path root;

    @Test
    void onnxRuntimeWritesNoTelemetryFileUnderAPrivateHome() throws Exception {
        Path home = Files.createDirectories(root.resolve("home"));
        Path tmp = Files.createDirectories(root.resolve("tmp"));
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", classpath, RunOneModel.class.getName(),
                Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx").toString(),
                root.resolve("work").toString());
        pb.environment().put("HOME", home.toString());
        pb.environment().remove(OrtRuntime.DISABLE_TELEMETRY);
        pb.environment().remove("XDG_CACHE_HOME");
        pb.redirectErrorStream(true).redirectOutput(root.resolve("probe.log").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(root.resolve("probe.log"))).isZero();
        assertThat(Files.readString(root.resolve("probe.log"))).contains("ran 1 rows");
        List<String> written = new ArrayList<>();
        try (Stream<Path> files = Files.walk(home)) {
            files.filter(f -> !f.equals(home)).forEach(f -> written.add(home.relativize(f).toString()));
        }
        assertThat(written).as("files under the private HOME").isEmpty();
        // The inference worker that ran the model had the runner's private directory as its HOME: it was removed
        // empty, so nothing was written there either.
        try (Stream<Path> files = Files.list(root.resolve("work"))) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("ort-empty-")))
                    .as("the worker's private directory, left only if something was written into it").isEmpty();
        }
    }

    /** The enclave's way of running a model, in a JVM of its own. */
    public static final class RunOneModel {
        public static void main(String[] args) throws Exception {
            NativeLibraries.prepare(Path.of(args[1]));
            OrtRuntime.environment();
            try (ModelRunner r = new ModelRunner(Files.readAllBytes(Path.of(args[0])), Signatures.of(Files.readAllBytes(Path.of(args[0]))), 1, Path.of(args[1]))) {
                int n = r.runBatch(new FloatTensor(new long[] {1, 3, 48, 192}, new float[3 * 48 * 192])).floats().get(0).rows();
                System.out.println("ran " + n + " rows");
            }
        }
    }
}
