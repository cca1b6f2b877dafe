package dev.veil.tensor.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * 50 million rows (about 600 MB of CSV, 600 MB of .npy data) read in a JVM with a 24 MiB heap: the reader holds its
 * buffer and one row, never the dataset. The data is generated as it is read, so it never exists in memory or on disk.
 */
class BoundedMemoryTest {
    private static final long ROWS = 50_000_000;

    @Test
    void fiftyMillionCsvRowsReadInA24MiBHeap() throws Exception {
        assertThat(runWithSmallHeap("csv")).isEqualTo(ROWS + " rows, 0 wrong");
    }

    @Test
    void fiftyMillionNpyRowsReadInA24MiBHeap() throws Exception {
        assertThat(runWithSmallHeap("npy")).isEqualTo(ROWS + " rows, 0 wrong");
    }

    private static String runWithSmallHeap(String format) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx24m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                HugeDatasetMain.class.getName(), format, Long.toString(ROWS))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }
}
