package dev.veil.enclave.evidence;

import dev.veil.attest.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Evidence inside a Gramine SGX enclave: Gramine's pseudo-files under {@code /dev/attestation} take the 64-byte
 * user report data and return a DCAP quote from the platform's Quoting Enclave ({@code attestation_type} must be
 * "dcap"; EPID is not supported).
 */
public final class GramineSgxSource implements EvidenceSource {
    public static final Path DEFAULT_ROOT = Path.of("/dev/attestation");
    private final Path root;

    public GramineSgxSource(Path root) {
        this.root = root;
    }

    @Override
    public Platform platform() {
        return Platform.SGX;
    }

    @Override
    public void probe() throws IOException {
        if (!Files.exists(root.resolve("attestation_type"))) {
            throw new IOException("Gramine attestation interface not found at " + root + "; run under gramine-sgx with "
                    + "sgx.remote_attestation = \"dcap\"");
        }
    }

    @Override
    public Collected collect(byte[] reportData) throws IOException {
        Path type = root.resolve("attestation_type");
        if (!Files.exists(type)) {
            throw new IOException("Gramine attestation interface not found at " + root + "; run under gramine-sgx with "
                    + "sgx.remote_attestation = \"dcap\"");
        }
        String t = Files.readString(type, StandardCharsets.US_ASCII).strip();
        if (!t.equals("dcap")) {
            throw new IOException("Gramine attestation_type is '" + t + "', expected 'dcap'");
        }
        Files.write(root.resolve("user_report_data"), reportData);
        byte[] quote = Files.readAllBytes(root.resolve("quote"));
        if (quote.length == 0) {
            throw new IOException("Gramine returned an empty quote");
        }
        return new Collected(quote, List.of());
    }
}
