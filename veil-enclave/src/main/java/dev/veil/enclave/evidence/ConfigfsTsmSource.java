package dev.veil.enclave.evidence;

import dev.veil.attest.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Evidence from the Linux configfs-tsm interface (kernel 6.7+), which serves TDX quotes and SNP reports alike: make a
 * report directory under {@code /sys/kernel/config/tsm/report}, write the 64-byte report data to {@code inblob},
 * read {@code outblob} (and, on SNP, the certificate table in {@code auxblob}), and check {@code generation} did not
 * move while reading — another writer would mean the outblob is not ours. The directory is removed afterwards.
 */
public final class ConfigfsTsmSource implements EvidenceSource {
    public static final Path DEFAULT_ROOT = Path.of("/sys/kernel/config/tsm/report");

    private final Platform platform;
    private final Path root;
    private final Supplier<String> entryNames;

    /** @param platform snp or tdx; the kernel's {@code provider} attribute must agree */
    public ConfigfsTsmSource(Platform platform, Path root) {
        this(platform, root, () -> "veil-" + UUID.randomUUID());
    }

    /** With chosen entry names (the default is a random name per request). */
    public ConfigfsTsmSource(Platform platform, Path root, Supplier<String> entryNames) {
        if (platform != Platform.SEV_SNP && platform != Platform.TDX) {
            throw new IllegalArgumentException("configfs-tsm serves snp and tdx");
        }
        this.platform = platform;
        this.root = root;
        this.entryNames = entryNames;
    }

    @Override
    public Platform platform() {
        return platform;
    }

    @Override
    public void probe() throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("configfs-tsm is not available at " + root + " (needs Linux 6.7+ in an SNP or TDX guest, "
                    + "with configfs mounted)");
        }
    }

    @Override
    public Collected collect(byte[] reportData) throws IOException {
        probe();
        Path entry = root.resolve(entryNames.get());
        Files.createDirectories(entry);
        try {
            String provider = Files.readString(entry.resolve("provider"), StandardCharsets.US_ASCII).strip();
            String expected = platform == Platform.SEV_SNP ? "sev_guest" : "tdx_guest";
            if (!provider.equals(expected)) {
                throw new IOException("configfs-tsm provider is '" + provider + "', expected '" + expected + "' for platform " + platform);
            }
            Files.write(entry.resolve("inblob"), reportData);
            String before = Files.readString(entry.resolve("generation"), StandardCharsets.US_ASCII).strip();
            byte[] out = Files.readAllBytes(entry.resolve("outblob"));
            List<byte[]> certs = List.of();
            Path aux = entry.resolve("auxblob");
            if (platform == Platform.SEV_SNP && Files.exists(aux)) {
                certs = SnpCertTable.certificates(Files.readAllBytes(aux));
            }
            String after = Files.readString(entry.resolve("generation"), StandardCharsets.US_ASCII).strip();
            if (!before.equals(after)) {
                throw new IOException("configfs-tsm report changed while being read (generation " + before + " → " + after
                        + "); another process wrote inblob — retry");
            }
            if (out.length == 0) {
                throw new IOException("configfs-tsm returned an empty outblob");
            }
            return new Collected(out, certs);
        } finally {
            try {
                Files.delete(entry);   // rmdir: on configfs this releases the report
            } catch (DirectoryNotEmptyException notConfigfs) {
                // a plain directory standing in for configfs (tests): its files are not ours to remove
            }
        }
    }
}
