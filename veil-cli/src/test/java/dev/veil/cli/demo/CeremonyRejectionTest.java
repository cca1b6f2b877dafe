package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.protocol.binding.EnclaveAppraisal;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Messages;
import dev.veil.provider.AssetCheck;
import dev.veil.provider.SealedAsset;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every refusal the ceremony promises, each proven against a running enclave over sockets. */
class CeremonyRejectionTest {
    static Ceremony ceremony;
    @org.junit.jupiter.api.io.TempDir
    static Path tempDir;
    static byte[] model;
    static byte[] data;

    @BeforeAll
    static void start() throws Exception {
        ceremony = new Ceremony(tempDir.resolve("enclave"));
        model = Ceremony.digitsModel(2);
        data = Ceremony.evaluationData().featuresCsv();
    }

    @AfterAll
    static void stop() throws Exception {
        ceremony.close();
    }

    private static SignedContract contract() throws Exception {
        return Ceremony.signed(ceremony.contract(model, OutputPolicy.labels(), ceremony.policy()));
    }

    @Test
    void modelWhoseDigestIsNotInTheContractIsRefused() throws Exception {
        byte[] other = Ceremony.digitsModel(99);
        SignedContract contract = contract();
        try (AssetKey mk = AssetKey.generate()) {
            assertThatThrownBy(() -> AssetCheck.requireContractsAsset(contract.contract(), Role.MODEL_PROVIDER,
                    SealedAsset.of(new Sealer().sealBytes(other, mk, ContentType.MODEL)), mk))
                    .as("refused on the model provider's machine").hasMessageContaining("but the contract names");
        }
        // a model provider that skips its own check is refused by the enclave
        LocalCeremony.Run run = ceremony.runUnchecked(contract, other, data);
        assertThat(run.mpError()).isInstanceOf(ProtocolException.class).hasMessageContaining("is not the contract's model");
        assertThat(run.dpError()).isNotNull();
    }

    @Test
    void measurementNotInTheContractIsRefusedByTheProvider() throws Exception {
        EnclavePolicy wrong = new EnclavePolicy(dev.veil.attest.Platform.SIM, List.of("00".repeat(48)), false, true);
        LocalCeremony.Run run = ceremony.run(Ceremony.signed(ceremony.contract(model, OutputPolicy.labels(), wrong)), model, data);
        assertThat(run.mpError()).isInstanceOf(AttestationException.class)
                .hasMessageContaining("measurement is " + ceremony.measurement)
                .hasMessageContaining("expected one of [" + "00".repeat(48) + "]");
    }

    @Test
    void contractForAnotherPlatformIsRefusedByTheEnclave() throws Exception {
        EnclavePolicy snp = new EnclavePolicy(dev.veil.attest.Platform.SEV_SNP, List.of(ceremony.measurement), false, false);
        LocalCeremony.Run run = ceremony.run(Ceremony.signed(ceremony.contract(model, OutputPolicy.labels(), snp)), model, data);
        assertThat(run.mpError()).hasMessageContaining("runs on platform sim but the contract requires snp");
    }

    @Test
    void debugEnclaveIsRefused() throws Exception {
        EnclaveConfig cfg = ceremony.config.withSimulateDebug(true).withPort(0);
        try (Ceremony debug = new Ceremony(cfg)) {
            SignedContract c = Ceremony.signed(debug.contract(model, OutputPolicy.labels(), debug.policy()));
            LocalCeremony.Run run = debug.run(c, model, data);
            assertThat(run.mpError()).isInstanceOf(AttestationException.class).hasMessageContaining("debug is true");
        }
    }

    @Test
    void unsignedAndExpiredContractsAreRefusedByTheEnclaveItself() throws Exception {
        SessionContract c = ceremony.contract(model, OutputPolicy.labels(), ceremony.policy());
        assertThat(rawHello(SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, Ceremony.MP)))
                .contains("not signed by the data_provider");
        SessionContract expired = SessionContract.draft(c.model(), c.modelProvider(), c.dataProvider(), c.enclave(),
                c.keyWrap(), c.output(), Instant.now().minusSeconds(1));
        assertThat(rawHello(Ceremony.signed(expired))).contains("contract expired");
    }

    @Test
    void partyNotInTheContractCannotReleaseKeys() throws Exception {
        Identity outsider = Identity.generate("outsider", KeyWrapSuite.X25519);
        SignedContract contract = contract();
        try (FrameChannel ch = connect()) {
            byte[] nonce = nonce();
            ch.send(new Messages.Hello(Role.DATA_PROVIDER, contract, nonce));
            Messages.EvidenceOffer offer = ch.receive(Messages.EvidenceOffer.class);
            KeyReleaseTranscript t = new KeyReleaseTranscript(contract.contract().hash(), Role.DATA_PROVIDER, nonce,
                    offer.enclaveNonce(), Digests.sha256(offer.evidence()), offer.instanceKeys());
            Hpke.Sealed s = Hpke.seal(offer.instanceKeys().keyWrapSuite(), offer.instanceKeys().keyWrapKey(), t.hpkeInfo(), t.context(), new byte[32]);
            ch.send(new Messages.KeyRelease(s.enc(), s.ciphertext(), outsider.sign(t.signingMessage(s.enc(), s.ciphertext()))));
            assertThatThrownBy(ch::receive).hasMessageContaining("key release is not signed by the contract's data_provider");
        }
    }

    @Test
    void replayedKeyReleaseFromAnEarlierConnectionIsRefused() throws Exception {
        SignedContract contract = contract();
        Messages.KeyRelease captured;
        try (FrameChannel first = connect()) {
            byte[] nonce = nonce();
            first.send(new Messages.Hello(Role.DATA_PROVIDER, contract, nonce));
            Messages.EvidenceOffer offer = first.receive(Messages.EvidenceOffer.class);
            KeyReleaseTranscript t = new KeyReleaseTranscript(contract.contract().hash(), Role.DATA_PROVIDER, nonce,
                    offer.enclaveNonce(), Digests.sha256(offer.evidence()), offer.instanceKeys());
            Hpke.Sealed s = Hpke.seal(offer.instanceKeys().keyWrapSuite(), offer.instanceKeys().keyWrapKey(), t.hpkeInfo(), t.context(), new byte[32]);
            captured = new Messages.KeyRelease(s.enc(), s.ciphertext(), Ceremony.DP.sign(t.signingMessage(s.enc(), s.ciphertext())));
            // the legitimate provider disconnects before sending; an attacker who recorded it tries again later
        }
        try (FrameChannel replay = connect()) {
            replay.send(new Messages.Hello(Role.DATA_PROVIDER, contract, nonce()));
            replay.receive(Messages.EvidenceOffer.class);
            replay.send(captured);
            assertThatThrownBy(replay::receive).hasMessageContaining("key release is not signed");
        }
    }

    @Test
    void replayedEvidenceFailsAgainstAFreshNonce() throws Exception {
        SignedContract contract = contract();
        Messages.EvidenceOffer old;
        try (FrameChannel ch = connect()) {
            ch.send(new Messages.Hello(Role.MODEL_PROVIDER, contract, nonce()));
            old = ch.receive(Messages.EvidenceOffer.class);
        }
        ContractVerifier.Verified v = ContractVerifier.verify(contract, Instant.now());
        assertThatThrownBy(() -> EnclaveAppraisal.appraise(v, old.platform(), old.evidence(), nonce(), old.instanceKeys(),
                VerificationOptions.now())).isInstanceOf(AttestationException.class).hasMessageContaining("report_data is");
    }

    @Test
    void evidenceRelayedWithOtherInstanceKeysFails() throws Exception {
        SignedContract contract = contract();
        byte[] nonce = nonce();
        Messages.EvidenceOffer offer;
        try (FrameChannel ch = connect()) {
            ch.send(new Messages.Hello(Role.MODEL_PROVIDER, contract, nonce));
            offer = ch.receive(Messages.EvidenceOffer.class);
        }
        var attackerKeys = new dev.veil.protocol.binding.InstanceKeys(offer.instanceKeys().signingKey(), KeyWrapSuite.X25519,
                dev.veil.protocol.keyrelease.KemKeyPair.generate(KeyWrapSuite.X25519).publicKey());
        ContractVerifier.Verified v = ContractVerifier.verify(contract, Instant.now());
        assertThatThrownBy(() -> EnclaveAppraisal.appraise(v, offer.platform(), offer.evidence(), nonce, attackerKeys,
                VerificationOptions.now())).hasMessageContaining("report_data is");
    }

    @Test
    void sessionCannotBeUsedAgainAfterDiscard() throws Exception {
        SignedContract contract = contract();
        LocalCeremony.Run first = ceremony.run(contract, model, data);
        assertThat(first.dpError()).isNull();
        assertThat(first.mp().discard()).isNotNull();
        LocalCeremony.Run again = ceremony.run(contract, model, data);
        assertThat(again.mpError()).hasMessageContaining("already used and its model discarded");
        assertThat(again.dpError()).hasMessageContaining("already used and its model discarded");
    }

    @Test
    void malformedCsvIsRefusedWithTheLineAndColumn() throws Exception {
        byte[] bad = ("1,".repeat(63) + "1\n4,five" + ",6".repeat(62) + "\n").getBytes();
        LocalCeremony.Run run = ceremony.run(contract(), model, bad);
        assertThat(run.dpError()).hasMessageContaining("dataset: CSV line 2 column 2 is 'five', expected a number");
    }

    @Test
    void malformedNpyIsRefused() throws Exception {
        byte[] bad = java.util.Arrays.copyOf(dev.veil.tensor.Npy.writeFloat32(
                new dev.veil.tensor.FloatTensor(new long[] {2, 64}, new float[128])), 200);
        LocalCeremony.Run run = ceremony.run(contract(), model, bad);
        assertThat(run.dpError()).hasMessageContaining("dataset: .npy data holds");
    }

    @Test
    void inputShapeTheModelDoesNotAcceptIsRefused() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            sb.append("1,".repeat(64)).append("1\n");   // 65 columns
        }
        LocalCeremony.Run run = ceremony.run(contract(), model, sb.toString().getBytes());
        assertThat(run.dpError()).hasMessageContaining("input dimension 1 is 65 but model input 'features' expects 64");
        // The model provider learns the code only: the shape of the data provider's input is not its business.
        assertThat(run.mp().discard().receipt().outcome()).isEqualTo("failed: dataset_invalid");
    }

    @Test
    void assetSealedWithAnotherKeyThanTheReleasedOneIsRefused() throws Exception {
        try (AssetKey released = AssetKey.generate(); AssetKey used = AssetKey.generate(); AssetKey dk = AssetKey.generate()) {
            LocalCeremony.Run run = ceremony.run(contract(), new Sealer().sealBytes(model, used, ContentType.MODEL), released,
                    new Sealer().sealBytes(data, dk, ContentType.DATASET), dk);
            assertThat(run.mpError()).hasMessageContaining("was sealed with key id " + used.idHex());
        }
    }

    @Test
    void datasetPassedOffAsTheModelIsRefused() throws Exception {
        try (AssetKey mk = AssetKey.generate(); AssetKey dk = AssetKey.generate()) {
            SignedContract contract = contract();
            assertThatThrownBy(() -> AssetCheck.requireContractsAsset(contract.contract(), Role.MODEL_PROVIDER,
                    SealedAsset.of(new Sealer().sealBytes(model, mk, ContentType.DATASET)), mk))
                    .as("refused on the model provider's machine").hasMessageContaining("the sealed file is a dataset");
            LocalCeremony.Run run = ceremony.runUnchecked(contract, new Sealer().sealBytes(model, mk, ContentType.DATASET), mk,
                    new Sealer().sealBytes(data, dk, ContentType.DATASET), dk);
            assertThat(run.mpError()).hasMessageContaining("uploaded a sealed dataset, expected a sealed model");
        }
    }

    @Test
    void sessionIsDiscardedWhenTheSecondPartyNeverComes() throws Exception {
        EnclaveConfig quick = ceremony.config.withPartyTimeout(Duration.ofMillis(800)).withPort(0);
        try (Ceremony c = new Ceremony(quick); AssetKey mk = AssetKey.generate()) {
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy()));
            var outcome = dev.veil.provider.ProviderFlow.run(Ceremony.MP, Role.MODEL_PROVIDER, contract, "127.0.0.1",
                    c.enclave.port(), new Sealer().sealBytes(model, mk, ContentType.MODEL), mk, VerificationOptions.now(),
                    dev.veil.provider.ProviderFlow.StepListener.NONE);
            assertThat(outcome.discard().receipt().completed()).isFalse();
            assertThat(outcome.discard().receipt().outcome()).isEqualTo("failed: party_timeout");
            ContractVerifier.verify(contract, Instant.now());   // the failed-session receipt is still a valid, verified receipt
        }
    }

    private static String rawHello(SignedContract c) throws Exception {
        try (FrameChannel ch = connect()) {
            ch.send(new Messages.Hello(Role.MODEL_PROVIDER, c, nonce()));
            try {
                ch.receive();
                return "accepted";
            } catch (ProtocolException e) {
                return e.getMessage();
            }
        }
    }

    private static FrameChannel connect() throws Exception {
        return new FrameChannel(new Socket("127.0.0.1", ceremony.enclave.port()));
    }

    private static byte[] nonce() {
        byte[] n = new byte[32];
        new SecureRandom().nextBytes(n);
        return n;
    }
}
