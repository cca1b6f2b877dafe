package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Platform;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.spark.TestModelTerms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A batch instance offers the evidence of the TEE its contract names: the platform's own interface for a hardware
 * contract (as {@code veil serve}), simulated evidence only for a contract of the simulated TEE. Which evidence is
 * accepted is the brokers' appraisal's; this is what a genuine executor in a confidential VM can offer at all.
 */
class BatchEvidenceTest {
    private static ContractVerifier.Verified contractFor(Platform platform, String measurement) throws Exception {
        byte[] model = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
        Identity mp = Identity.generate("mp", KeyWrapSuite.X25519);
        Identity dp = Identity.generate("dp", KeyWrapSuite.X25519);
        SessionContract c = SessionContract.draft(TestModelTerms.of(model, "ocr"), mp.publicIdentity(), dp.publicIdentity(),
                new EnclavePolicy(platform, List.of(measurement), false, platform == Platform.SIM),
                KeyWrapSuite.X25519, OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(1))).withMaxInstances(4);
        return ContractVerifier.verify(SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp),
                Instant.now());
    }

    @Test
    void aContractForSevSnpIsServedBySevSnpEvidenceNotTheSimulatedTee() throws Exception {
        EvidenceSource source = BatchEvidence.forContract(contractFor(Platform.SEV_SNP, "ab".repeat(48)));
        assertThat(source.platform()).isEqualTo(Platform.SEV_SNP);
    }

    @Test
    void aContractForTheSimulatedTeeIsServedBySimulatedEvidenceOfTheExecutorsMeasurement() throws Exception {
        EvidenceSource source = BatchEvidence.forContract(contractFor(Platform.SIM,
                dev.veil.protocol.json.Digests.hex(ExecutorInstance.measurement())));
        assertThat(source.platform()).isEqualTo(Platform.SIM);
    }
}
