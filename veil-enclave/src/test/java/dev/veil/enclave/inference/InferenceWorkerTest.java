package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the inference worker is started, as an operator would start the enclave. */
class InferenceWorkerTest {
    @TempDir
    Path scratch;

    @Test
    void workerStartsWhenTheEnclaveWasGivenARelativeClassPath() throws Exception {
        // `java -cp veil-cli.jar ...` from the installation's directory: the worker runs in its private directory.
        List<String> relative = new ArrayList<>();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : classpath.split(File.pathSeparator)) {
            relative.add(Path.of("/").relativize(Path.of(entry).toAbsolutePath()).toString());
        }
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + scratch, "-cp", String.join(File.pathSeparator, relative), RunTwoInputs.class.getName(),
                scratch.toString()).directory(new File("/"));
        pb.redirectErrorStream(true).redirectOutput(scratch.resolve("child.log").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String output = Files.readString(scratch.resolve("child.log"));
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("y = [3.0]");
    }

    /** Loads and runs a model through a worker. */
    public static final class RunTwoInputs {
        public static void main(String[] args) throws Exception {
            byte[] model = TypedModels.twoInputs();
            try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1, Path.of(args[0]))) {
                NamedTensors out = r.run(NamedTensors.of(Tensor.ofFloats("a", new long[] {1, 1}, new float[] {1}),
                        Tensor.ofLongs("b", new long[] {1, 1}, new long[] {2})));
                System.out.println("y = " + java.util.Arrays.toString(out.get("y").floats()));
            }
        }
    }
}
