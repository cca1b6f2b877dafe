package dev.veil.enclave.evidence;

import dev.veil.enclave.EnclaveConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The sim platform's launch measurement: SHA-384 over the code the enclave runs (each jar or class directory of its
 * trusted computing base, by content) and its measured settings. On real hardware the CPU measures the launched
 * image instead; this gives the simulation the same property — change the code or settings and the measurement
 * changes. It is what a provider pins in the contract ({@code veil enclave measure} prints it).
 */
public final class CodeMeasurement {
    /** One class from each library the enclave trusts; their code sources are what gets measured. */
    private static final List<String> TCB_CLASSES = List.of(
            "dev.veil.enclave.EnclaveServer",
            "dev.veil.protocol.wire.FrameChannel",
            "dev.veil.seal.Sealer",
            "dev.veil.attest.Verifiers",
            "dev.veil.collateral.CollateralFetcher",
            "dev.veil.tensor.Npy",
            "ai.onnxruntime.OrtSession",
            "org.bouncycastle.crypto.hpke.HPKE",
            "org.bouncycastle.cert.X509v3CertificateBuilder",
            "com.fasterxml.jackson.databind.ObjectMapper",
            "com.fasterxml.jackson.core.JsonParser",
            "com.fasterxml.jackson.annotation.JsonProperty",
            "org.slf4j.Logger");
    private static final Map<Path, byte[]> SOURCE_DIGESTS = new ConcurrentHashMap<>();

    private CodeMeasurement() {
    }

    public static byte[] compute(EnclaveConfig config) {
        MessageDigest md = sha384();
        md.update("veil sim measurement v1\0".getBytes(StandardCharsets.US_ASCII));
        TreeMap<String, byte[]> sources = new TreeMap<>();
        for (String cls : TCB_CLASSES) {
            Path p = codeSource(cls);
            // keyed by class, not by file name: a build tree and a jar of the same code measure the same
            sources.put(cls, SOURCE_DIGESTS.computeIfAbsent(p, CodeMeasurement::digestOf));
        }
        sources.values().forEach(md::update);
        md.update(config.measuredSettings().getBytes(StandardCharsets.UTF_8));
        return md.digest();
    }

    private static Path codeSource(String className) {
        try {
            Class<?> c = Class.forName(className, false, CodeMeasurement.class.getClassLoader());
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (ClassNotFoundException | URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot locate the code of " + className + " to measure it", e);
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
