package dev.veil.enclave.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sim measurement answered from the installation's record of measured jars is the measurement of the jars
 * themselves. Each measurement runs in a fresh class loader, as a new enclave process would (a process keeps what it
 * measured in memory).
 */
class MeasurementFromRecordTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearProperty() {
        System.clearProperty(MeasuredJarRecord.DIRECTORY_PROPERTY);
    }

    private static List<Path> classPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(cp.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
    }

    private String measure() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (Path p : classPath()) {
            urls.add(p.toUri().toURL());
        }
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Class<?> config = loader.loadClass("dev.veil.enclave.EnclaveConfig");
            Object defaults = config.getMethod("simDefaults", Path.class).invoke(null, dir.resolve("enclave"));
            Object m = loader.loadClass("dev.veil.enclave.evidence.CodeMeasurement").getMethod("compute", config).invoke(null, defaults);
            return HexFormat.of().formatHex((byte[]) m);
        }
    }

    @Test
    void theMeasurementFromTheRecordIsTheMeasurementOfTheJars() throws Exception {
        Path cache = dir.resolve("cache");
        System.setProperty(MeasuredJarRecord.DIRECTORY_PROPERTY, cache.toString());
        String read = measure();
        Path file = cache.resolve("jars-v1");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).as("the test's jars are recorded (class directories never are)").hasSizeGreaterThan(1);
        assertThat(measure()).isEqualTo(read);

        // the record is what answered: a recorded digest changed (the jar's identity kept) changes the measurement
        String line = lines.get(1);
        String[] f = line.split(" ");
        f[6] = f[6].startsWith("0") ? "1" + f[6].substring(1) : "0" + f[6].substring(1);
        List<String> altered = new ArrayList<>(lines);
        altered.set(1, String.join(" ", f));
        Files.write(file, altered);
        assertThat(measure()).isNotEqualTo(read);

        // without the record every jar is read again, and the measurement is the jars'
        Files.delete(file);
        assertThat(measure()).isEqualTo(read);
    }
}
