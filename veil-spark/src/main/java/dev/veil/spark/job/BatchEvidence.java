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

/**
 * Where a batch instance (an executor's, or the driver's) gets its evidence: the TEE the contract names. A contract for
 * SNP, TDX, SGX or Nitro is served by that platform's own interface, as {@code veil serve} is
 * ({@link EvidenceSources#forHardware}: its collateral cached in a private directory of this JVM's); only a contract for
 * the simulated TEE gets simulated evidence, of the executors' class path ({@link ExecutorInstance#measurement}). The
 * brokers appraise whatever is offered against the contract: this decides only which evidence a genuine instance can
 * offer, never what is accepted.
 */
final class BatchEvidence {
    /** This JVM's collateral cache (guarded by the class): one per process, made when a hardware contract first needs it. */
    private static Path collateralDir;

    private BatchEvidence() {
    }

    static EvidenceSource forContract(ContractVerifier.Verified contract) {
        Platform platform = contract.contract().enclave().referenceValues().platform();
        if (platform == Platform.SIM) {
            return new SimEvidenceSource(ExecutorInstance.measurement(), false);
        }
        return EvidenceSources.forHardware(platform, CollateralSettings.defaults(collateralDir()));
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
