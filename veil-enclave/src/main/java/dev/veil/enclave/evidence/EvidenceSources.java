package dev.veil.enclave.evidence;

import dev.veil.attest.Platform;
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
            case SEV_SNP, TDX, SGX -> CollateralShippingSource.over(device, collateral);
            case SIM, NITRO -> device;
        };
    }

    /**
     * A TEE's own evidence (any platform but sim) at the standard Linux locations, shipping its collateral as
     * {@link #forPlatform} does: for enclave code that is not an enclave server (a batch executor on Spark, whose
     * contract names the platform).
     */
    public static EvidenceSource forHardware(Platform platform, CollateralSettings collateral) {
        if (platform == Platform.SIM) {
            throw new IllegalArgumentException("the simulated TEE is not hardware: it has its own evidence source");
        }
        EvidenceSource device = hardwareInterface(platform, null, List.of());
        return platform == Platform.NITRO ? device : CollateralShippingSource.over(device, collateral);
    }

    private static EvidenceSource platformInterface(EnclaveConfig config, Path root, List<byte[]> extraCertificates) {
        return config.platform() == Platform.SIM
                ? new SimEvidenceSource(CodeMeasurement.compute(config), config.simulateDebug())
                : hardwareInterface(config.platform(), root, extraCertificates);
    }

    private static EvidenceSource hardwareInterface(Platform platform, Path root, List<byte[]> extraCertificates) {
        return switch (platform) {
            case SIM -> throw new IllegalArgumentException("the simulated TEE is not hardware");
            case SEV_SNP -> {
                Path tsm = root != null ? root : ConfigfsTsmSource.DEFAULT_ROOT;
                yield root == null && !Files.isDirectory(tsm)
                        ? new SevGuestSource(SevGuestSource.DEFAULT_DEVICE, DeviceIoctl.LIBC, 0, extraCertificates)
                        : new ConfigfsTsmSource(Platform.SEV_SNP, tsm);
            }
            case TDX -> new ConfigfsTsmSource(Platform.TDX, root != null ? root : ConfigfsTsmSource.DEFAULT_ROOT);
            case SGX -> new GramineSgxSource(root != null ? root : GramineSgxSource.DEFAULT_ROOT);
            case NITRO -> new NitroNsmSource(root != null ? root : NitroNsmSource.DEFAULT_DEVICE, DeviceIoctl.LIBC);
        };
    }
}
