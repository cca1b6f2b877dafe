package dev.veil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sim measurement is "the measurement from the build both providers reviewed" (issue 7, reproducible builds): a
 * provider pins it to pin the enclave's code. It is computed over the code sources of a fixed list of classes, and
 * code that runs inside the enclave's JVM is missing from that list: JNA (which the enclave uses to call libc's
 * setenv before ONNX Runtime starts, and to talk to the TEE devices) and the veil-cli code that IS the enclave process
 * under 'veil enclave run' (it builds the configuration and the evidence source the server uses). Either can be
 * changed, e.g. to leave ONNX Runtime's telemetry on or to hand the server a different evidence source, and the
 * measurement stays the same.
 *
 * <p>The test measures twice in fresh class loaders, once over the real class path and once with one code source
 * altered (an extra entry added), and expects the measurements to differ. Expected: every code source the enclave
 * process loads is measured.
 */
class MeasurementCoverageAttackTest {
    @TempDir
    Path dir;

    private static List<Path> classPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(cp.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
    }

    private static Path codeSourceOf(String className) throws Exception {
        return Path.of(Class.forName(className).getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** The sim measurement of the default settings, computed by classes loaded from {@code classPath} only. */
    private static String measure(List<Path> classPath, Path workDir) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (Path p : classPath) {
            urls.add(p.toUri().toURL());
        }
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Class<?> config = loader.loadClass("dev.veil.enclave.EnclaveConfig");
            Object defaults = config.getMethod("simDefaults", Path.class).invoke(null, workDir);
            Method compute = loader.loadClass("dev.veil.enclave.evidence.CodeMeasurement").getMethod("compute", config);
            return HexFormat.of().formatHex((byte[]) compute.invoke(null, defaults));
        }
    }

    /** A copy of {@code source} (a jar or a class directory) with one extra entry: different code, same classes. */
    private Path altered(Path source) throws IOException {
        Path copy = Files.createTempDirectory(dir, "altered-").resolve(source.getFileName());
        if (Files.isDirectory(source)) {
            try (var files = Files.walk(source)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Path to = copy.resolve(source.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(f, to);
                    }
                }
            }
            Files.writeString(copy.resolve("veil-altered.txt"), "changed", StandardCharsets.US_ASCII);
            return copy;
        }
        try (ZipFile in = new ZipFile(source.toFile()); OutputStream o = Files.newOutputStream(copy);
             ZipOutputStream out = new ZipOutputStream(o)) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                out.putNextEntry(new ZipEntry(e.getName()));
                try (var data = in.getInputStream(e)) {
                    data.transferTo(out);
                }
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry("veil-altered.txt"));
            out.write("changed".getBytes(StandardCharsets.US_ASCII));
            out.closeEntry();
        }
        return copy;
    }

    @Test
    void codeRunningInTheEnclaveProcessIsMeasured() throws Exception {
        List<Path> cp = classPath();
        String original = measure(cp, dir.resolve("enclave"));
        // The harness itself: altering a code source that is measured (veil-enclave's) changes the measurement.
        Path measured = codeSourceOf("dev.veil.enclave.EnclaveServer");
        Path measuredChanged = altered(measured);
        assertThat(measure(cp.stream().map(p -> p.toAbsolutePath().equals(measured.toAbsolutePath()) ? measuredChanged : p).toList(),
                dir.resolve("enclave"))).as("a measured code source changed").isNotEqualTo(original);
        SoftAssertions soft = new SoftAssertions();
        for (String inEnclave : List.of("com.sun.jna.Native", "dev.veil.cli.EnclaveCommand")) {
            Path source = codeSourceOf(inEnclave);
            Path changed = altered(source);
            List<Path> swapped = cp.stream().map(p -> p.toAbsolutePath().equals(source.toAbsolutePath()) ? changed : p).toList();
            assertThat(swapped).as("the class path holds " + source).contains(changed);
            soft.assertThat(measure(swapped, dir.resolve("enclave"))).as("measurement with the code of " + inEnclave + " (" + source + ") changed")
                    .isNotEqualTo(original);
        }
        soft.assertAll();
    }
}
