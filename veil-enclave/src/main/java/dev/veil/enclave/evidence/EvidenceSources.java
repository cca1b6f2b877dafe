package dev.veil.enclave.evidence;

import dev.veil.enclave.EnclaveConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Picks the evidence source for a platform, with the standard Linux locations unless {@code root} overrides them:
 * sim → the simulated firmware; snp → configfs-tsm, else /dev/sev-guest; tdx → configfs-tsm; sgx → Gramine's
 * /dev/attestation; nitro → /dev/nsm. On snp, tdx and sgx the source also ships the platform's collateral
 * ({@link CollateralShippingSource}); nitro's evidence needs none, and sim's is simulated.
 */
public final class EvidenceSources {
    private EvidenceSources() {
    }

    /** With collateral from Intel PCS and AMD KDS, cached in the enclave's work directory. */
    public static EvidenceSource forPlatform(EnclaveConfig config, Path root, List<byte[]> extraCertificates) {
        return forPlatform(config, root, extraCertificates, CollateralSettings.defaults(config.workDir()));
    }

    public static EvidenceSource forPlatform(EnclaveConfig config, Path root, List<byte[]> extraCertificates,
                                             CollateralSettings collateral) {
        EvidenceSource device = platformInterface(config, root, extraCertificates);
        return switch (config.platform()) {
            case "snp", "tdx", "sgx" -> CollateralShippingSource.over(device, collateral);
            default -> device;
        };
    }

    private static EvidenceSource platformInterface(EnclaveConfig config, Path root, List<byte[]> extraCertificates) {
        return switch (config.platform()) {
            case "sim" -> new SimEvidenceSource(CodeMeasurement.compute(config), config.simulateDebug());
            case "snp" -> {
                Path tsm = root != null ? root : ConfigfsTsmSource.DEFAULT_ROOT;
                yield root == null && !Files.isDirectory(tsm)
                        ? new SevGuestSource(SevGuestSource.DEFAULT_DEVICE, DeviceIoctl.LIBC, 0, extraCertificates)
                        : new ConfigfsTsmSource("snp", tsm);
            }
            case "tdx" -> new ConfigfsTsmSource("tdx", root != null ? root : ConfigfsTsmSource.DEFAULT_ROOT);
            case "sgx" -> new GramineSgxSource(root != null ? root : GramineSgxSource.DEFAULT_ROOT);
            case "nitro" -> new NitroNsmSource(root != null ? root : NitroNsmSource.DEFAULT_DEVICE, DeviceIoctl.LIBC);
            default -> throw new IllegalArgumentException("unknown platform '" + config.platform() + "', expected sim, snp, tdx, sgx or nitro");
        };
    }
}
