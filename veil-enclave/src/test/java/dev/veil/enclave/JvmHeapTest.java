package dev.veil.enclave;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The enclave's heap line, and the one set of heap options the launcher and the container image start it with. */
class JvmHeapTest {
    private static final Path REPO = Path.of(System.getProperty("veil.testdata.dir")).getParent();

    @Test
    void theHeapLineNamesTheMaximumAndTheCollectors() {
        String line = JvmHeap.describe();
        assertThat(line).startsWith("heap max ").contains("young generation ").endsWith(")");
    }

    /** A flag changed in one place only would leave the benchmark measuring another enclave than the one shipped. */
    @Test
    void theLauncherAndTheImageStartTheEnclaveWithTheseOptions() throws Exception {
        String options = String.join(" ", JvmHeap.OPTIONS);
        assertThat(Files.readString(REPO.resolve("veil"))).contains("VEIL_JAVA_OPTS--" + options.substring(1) + "}");
        assertThat(Files.readString(REPO.resolve("deploy").resolve("Dockerfile"))).contains("JDK_JAVA_OPTIONS=\"" + options + "\"");
    }
}
