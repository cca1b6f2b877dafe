package dev.veil.enclave.evidence;

import dev.veil.enclave.EnclaveConfig;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The sim platform's launch measurement: SHA-384 over the code the enclave process runs and its measured settings.
 * On real hardware the CPU measures the launched image instead; this gives the simulation the same property — change
 * any code the process can load, or the settings, and the measurement changes. It is what a provider pins in the
 * contract ({@code veil enclave measure} prints it).
 *
 * <p>The code is every entry of the process's class path, in class-path order (the order decides which copy of a class
 * loads), each by content and never by file name, so two builds of one commit in two directories measure the same
 * (.ci/reproducible). The class path is the JVM's: {@code java.class.path} and, for jars, the {@code Class-Path} of their
 * manifests, followed transitively as the JVM follows them ({@code java -jar veil-cli.jar} names its libraries there);
 * a class loader that lists its own URLs (a test's) is read instead. The Java runtime's version is measured with it.
 * An earlier version measured the jars of a fixed list of classes, which left out code that runs in the enclave process
 * (JNA, the CLI that starts the server): {@code MeasurementCoverageAttackTest}. A jar unchanged since an earlier process
 * hashed it is taken from the installation's {@link MeasuredJarRecord} (its digest and manifest Class-Path, kept with
 * the file's identity) instead of being read again: the same bytes are measured either way.
 */
public final class CodeMeasurement {
    /** What this process has measured of each class-path entry (code does not change under a running JVM). */
    private static final Map<Path, MeasuredJarRecord.Measured> MEASURED = new ConcurrentHashMap<>();

    private CodeMeasurement() {
    }

    public static byte[] compute(EnclaveConfig config) {
        MessageDigest md = sha384();
        md.update("veil sim measurement v2\0".getBytes(StandardCharsets.US_ASCII));
        md.update((System.getProperty("java.vm.vendor", "") + "\0" + System.getProperty("java.runtime.version", "") + "\0")
                .getBytes(StandardCharsets.UTF_8));
        MeasuredJarRecord record = MeasuredJarRecord.open();
        List<Path> code = classPath(record);
        md.update(ByteBuffer.allocate(4).putInt(code.size()).array());
        for (Path source : code) {
            md.update(measured(source, record).sha384());
        }
        record.save();
        md.update(config.measuredSettings().getBytes(StandardCharsets.UTF_8));
        return md.digest();
    }

    /** The entries this process loads code from, in order, each once. */
    private static List<Path> classPath(MeasuredJarRecord record) {
        List<Path> roots = new ArrayList<>();
        ClassLoader loader = CodeMeasurement.class.getClassLoader();
        if (loader instanceof URLClassLoader urls) {
            for (URL u : urls.getURLs()) {
                roots.add(toPath(u.toString()));
            }
        } else {
            for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    roots.add(Path.of(entry).toAbsolutePath().normalize());
                }
            }
        }
        LinkedHashSet<Path> all = new LinkedHashSet<>();
        for (Path root : roots) {
            addWithManifestClassPath(root, all, record);
        }
        return List.copyOf(all);
    }

    private static void addWithManifestClassPath(Path entry, LinkedHashSet<Path> all, MeasuredJarRecord record) {
        if (!Files.exists(entry) || !all.add(entry) || Files.isDirectory(entry)) {
            return;
        }
        String manifestClassPath = measured(entry, record).manifestClassPath();
        if (manifestClassPath == null) {
            return;
        }
        for (String relative : manifestClassPath.trim().split("\\s+")) {
            if (!relative.isEmpty()) {
                addWithManifestClassPath(toPath(entry.getParent().toUri().resolve(relative).toString()), all, record);
            }
        }
    }

    /**
     * A class-path entry's digest and, for a jar, its manifest's Class-Path: from this process's memory, else from the
     * installation's record when the jar's identity is the recorded one, else read (and then recorded).
     */
    private static MeasuredJarRecord.Measured measured(Path source, MeasuredJarRecord record) {
        return MEASURED.computeIfAbsent(source, s -> {
            if (Files.isDirectory(s)) {
                return new MeasuredJarRecord.Measured(digestOf(s), null);
            }
            try {
                MeasuredJarRecord.Identity before = MeasuredJarRecord.Identity.of(s);
                MeasuredJarRecord.Measured known = record.lookup(s, before);
                if (known != null) {
                    return known;
                }
                java.time.Instant started = java.time.Instant.now();
                MeasuredJarRecord.Measured m = new MeasuredJarRecord.Measured(digestOf(s), manifestClassPath(s));
                record.record(s, before, MeasuredJarRecord.Identity.of(s), started, m);
                return m;
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + s + " to measure it", e);
            }
        });
    }

    private static String manifestClassPath(Path jarFile) {
        try (JarFile jar = new JarFile(jarFile.toFile())) {
            Manifest m = jar.getManifest();
            return m == null ? null : m.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + jarFile + " to measure it", e);
        }
    }

    private static Path toPath(String uri) {
        try {
            return Path.of(new URI(uri)).toAbsolutePath().normalize();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot locate the class path entry " + uri + " to measure it", e);
        }
    }

    private static byte[] digestOf(Path source) {
        MessageDigest md = sha384();
        try {
            if (Files.isDirectory(source)) {
                List<Path> files = new ArrayList<>();
                try (Stream<Path> s = Files.walk(source)) {
                    s.filter(Files::isRegularFile).sorted().forEach(files::add);
                }
                for (Path f : files) {
                    md.update(source.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                    md.update(Files.readAllBytes(f));
                }
            } else {
                try (InputStream in = Files.newInputStream(source)) {
                    byte[] buf = new byte[1 << 16];
                    int r;
                    while ((r = in.read(buf)) > 0) {
                        md.update(buf, 0, r);
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + source + " to measure it", e);
        }
        return md.digest();
    }

    private static MessageDigest sha384() {
        try {
            return MessageDigest.getInstance("SHA-384");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
