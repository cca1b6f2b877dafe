package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.VerificationOptions;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Messages;
import dev.veil.provider.ProviderFlow;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a valid key release, a peer holding its connection (its slot, and the session's key) without making progress
 * (issue 7 item 5): the model upload trickled under the idle timeout, and the upload's announcement trickled a byte at a
 * time. The party timeout here is ten minutes, so it is not what ends either. The JUnit timeouts only stop a test that
 * would otherwise hang when a defence is missing; nothing here measures speed.
 */
class UploadProgressAttackTest {
    @TempDir
    Path tempDir;

    private Ceremony ceremony(Duration handshake, Duration idle) throws Exception {
        EnclaveConfig.ServiceLimits d = EnclaveConfig.ServiceLimits.defaults();
        return new Ceremony(EnclaveConfig.simDefaults(tempDir.resolve("enclave")).withPartyTimeout(Duration.ofMinutes(10))
                .withBatchSize(64).withLimits(new EnclaveConfig.ServiceLimits(handshake, idle, d.maxConnections(),
                        d.maxConnectionsPerSource(), d.maxOpenSessions(), d.maxTombstones())));
    }

    /** The dataset's upload had to keep the minimum rate; the model's did not, and a host could trickle it for as long as it liked. */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void modelUploadTrickledUnderTheIdleTimeoutIsCutByTheMinimumRate() throws Exception {
        byte[] model = Ceremony.digitsModel(32);
        try (Ceremony c = ceremony(Duration.ofSeconds(5), Duration.ofSeconds(2));
             StallingRelay relay = new StallingRelay(c.enclave.port()); AssetKey mk = AssetKey.generate()) {
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy()));
            byte[] sealedModel = new Sealer().sealBytes(model, mk, ContentType.MODEL);
            assertThatThrownBy(() -> ProviderFlow.run(Ceremony.MP, Role.MODEL_PROVIDER, contract, "127.0.0.1", relay.port(), sealedModel,
                    mk, VerificationOptions.now(), ProviderFlow.StepListener.NONE))
                    .as("the model provider is told its trickled upload was too slow")
                    .hasMessageContaining("party_timeout").hasMessageContaining("slower than");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void uploadAnnouncementTrickledAfterAValidKeyReleaseIsCutAtItsDeadline() throws Exception {
        byte[] model = Ceremony.digitsModel(33);
        try (Ceremony c = ceremony(Duration.ofSeconds(2), Duration.ofSeconds(4));
             Socket s = new Socket("127.0.0.1", c.enclave.port()); AssetKey key = AssetKey.generate()) {
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy()));
            releaseKey(new FrameChannel(s), contract, key);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] header = {1, 0, 0, 0, 100};   // a message frame of 100 bytes: the announcement, sent a byte at a time
            boolean cut = false;
            // 40 bytes at 0.5 s: 20 s, ten times the 2 s deadline, each byte inside the 4 s idle timeout
            for (int i = 0; i < 40 && !cut; i++) {
                try {
                    out.write(i < header.length ? header[i] : '{');
                    out.flush();
                    Thread.sleep(500);
                    cut = probeClosed(s, in);
                } catch (SocketException e) {
                    cut = true;
                }
            }
            assertThat(cut).as("the enclave closed the connection trickling its upload's announcement").isTrue();
        }
    }

    /** Hello, evidence, a valid key release of the model provider, as ProviderSession does it. */
    private static void releaseKey(FrameChannel ch, SignedContract contract, AssetKey key) throws Exception {
        byte[] nonce = new byte[32];
        new SecureRandom().nextBytes(nonce);
        ch.send(new Messages.Hello(Role.MODEL_PROVIDER, contract, nonce));
        Messages.EvidenceOffer offer = ch.receive(Messages.EvidenceOffer.class);
        KeyReleaseTranscript t = new KeyReleaseTranscript(ContractVerifier.verify(contract, Instant.now()).hash(), Role.MODEL_PROVIDER,
                nonce, offer.enclaveNonce(), Digests.sha256(offer.evidence()), offer.instanceKeys());
        Hpke.Sealed sealed = AssetKeyWrap.wrap(key, new byte[0], offer.instanceKeys().keyWrapSuite(), offer.instanceKeys().keyWrapKey(),
                t.hpkeInfo(), t.context());
        ch.send(new Messages.KeyRelease(sealed.enc(), sealed.ciphertext(), Ceremony.MP.sign(t.signingMessage(sealed.enc(), sealed.ciphertext()))));
        ch.receive(Messages.Accepted.class);
    }

    /** True once the enclave has closed: end of stream, or its refusal read and the connection then reset. */
    private static boolean probeClosed(Socket s, InputStream in) throws Exception {
        s.setSoTimeout(10);
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }
}
