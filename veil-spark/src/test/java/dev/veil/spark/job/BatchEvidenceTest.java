package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.spark.TestModelTerms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A batch instance offers the evidence of the TEE its contract names: the platform's own interface for a hardware
 * contract (as {@code veil serve}), probed once per JVM before any instance collects (a hardware source ships
 * collateral, which only its probe fetches); simulated evidence only for a contract of the simulated TEE. Which
 * evidence is accepted is the brokers' appraisal's; this is what a genuine executor in a confidential VM can offer.
 */
class BatchEvidenceTest {
    @Test
    void aHardwarePlatformIsServedByItsOwnInterface() {
        for (Platform p : List.of(Platform.SEV_SNP, Platform.TDX, Platform.SGX, Platform.NITRO)) {
            assertThat(BatchEvidence.hardwareSource(p).platform()).as("%s", p).isEqualTo(p);
        }
    }

    @Test
    void aContractForTheSimulatedTeeIsServedBySimulatedEvidenceOfTheExecutorsMeasurement() throws Exception {
        EvidenceSource source = BatchEvidence.forContract(simContract());
        assertThat(source.platform()).isEqualTo(Platform.SIM);
    }

    @Test
    void aHardwareSourceIsProbedOnceBeforeItsFirstCollectionAndAFailedProbeIsTriedAgain() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        AtomicInteger made = new AtomicInteger();
        // a fake platform interface that, as the collateral-shipping source, collects nothing before its probe
        java.util.function.Function<Platform, EvidenceSource> make = p -> {
            made.incrementAndGet();
            return new EvidenceSource() {
                private boolean probed;

                @Override
                public Platform platform() {
                    return p;
                }

                @Override
                public void probe() throws IOException {
                    if (probes.incrementAndGet() == 1) {
                        throw new IOException("the device is not there yet");
                    }
                    probed = true;
                }

                @Override
                public Collected collect(byte[] reportData) throws IOException {
                    if (!probed) {
                        throw new IOException("the platform's collateral was never fetched");
                    }
                    return new Collected(new byte[] {1}, List.of());
                }
            };
        };
        // Nitro: the one platform no other test here asks for (the sources are kept per JVM)
        assertThatThrownBy(() -> BatchEvidence.probed(Platform.NITRO, make)).isInstanceOf(IOException.class);
        EvidenceSource first = BatchEvidence.probed(Platform.NITRO, make);
        EvidenceSource second = BatchEvidence.probed(Platform.NITRO, make);
        assertThat(second).isSameAs(first);
        assertThat(first.collect(new byte[64]).evidence()).containsExactly(1);
        assertThat(probes).hasValue(2);
        assertThat(made).hasValue(2);
    }

    private static ContractVerifier.Verified simContract() throws Exception {
        byte[] model = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
        Identity mp = Identity.generate("mp", KeyWrapSuite.X25519);
        Identity dp = Identity.generate("dp", KeyWrapSuite.X25519);
        SessionContract c = SessionContract.draft(TestModelTerms.of(model, "ocr"), mp.publicIdentity(), dp.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of(Digests.hex(ExecutorInstance.measurement())), false, true),
                KeyWrapSuite.X25519, OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(1))).withMaxInstances(4);
        return ContractVerifier.verify(SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp),
                Instant.now());
    }
}
