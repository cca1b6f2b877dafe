package dev.veil.spark.job;

import dev.veil.attest.Platform;
import dev.veil.enclave.evidence.CollateralSettings;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.enclave.evidence.EvidenceSources;
import dev.veil.enclave.evidence.SimEvidenceSource;
import dev.veil.protocol.contract.ContractVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Where a batch instance (an executor's, or the driver's) gets its evidence: the TEE the contract names. A contract for
 * SNP, TDX, SGX or Nitro is served by that platform's own interface, as {@code veil serve} is
 * ({@link EvidenceSources#forHardware}: its collateral cached in a private directory of this JVM's), made and probed
 * once per JVM and platform before its first instance collects (probing fetches the collateral the evidence ships
 * with, and starts its refresh); only a contract for the simulated TEE gets simulated evidence, of the executors' class
 * path ({@link ExecutorInstance#measurement}). The brokers appraise whatever is offered against the contract: this
 * decides only which evidence a genuine instance can offer, never what is accepted.
 */
final class BatchEvidence {
    /** This JVM's probed hardware sources, by platform (guarded by the class). */
    private static final Map<Platform, EvidenceSource> PROBED = new EnumMap<>(Platform.class);
    /** This JVM's collateral cache (guarded by the class): one per process, made when a hardware contract first needs it. */
    private static Path collateralDir;

    private BatchEvidence() {
    }

    /** The evidence source for an instance of {@code contract}; a hardware platform's interface is probed first. */
    static EvidenceSource forContract(ContractVerifier.Verified contract) throws IOException {
        Platform platform = contract.contract().enclave().referenceValues().platform();
        if (platform == Platform.SIM) {
            return new SimEvidenceSource(ExecutorInstance.measurement(), false);
        }
        return probed(platform, BatchEvidence::hardwareSource);
    }

    /** The platform's own interface, not yet probed. */
    static EvidenceSource hardwareSource(Platform platform) {
        return EvidenceSources.forHardware(platform, CollateralSettings.defaults(collateralDir()));
    }

    /**
     * This JVM's source for {@code platform}, made by {@code make} and probed the first time (a probe that fails is
     * not kept: the next instance tries again).
     */
    static synchronized EvidenceSource probed(Platform platform, Function<Platform, EvidenceSource> make) throws IOException {
        EvidenceSource source = PROBED.get(platform);
        if (source == null) {
            source = make.apply(platform);
            source.probe();
            PROBED.put(platform, source);
        }
        return source;
    }

    private static synchronized Path collateralDir() {
        if (collateralDir == null) {
            try {
                collateralDir = Files.createTempDirectory("veil-collateral-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make the collateral cache's directory", e);
            }
        }
        return collateralDir;
    }
}
