package dev.veil.enclave.session;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.AssetKey;
import dev.veil.seal.SealException;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enclave's side of one provider's connection, step by step: hello → evidence → key release → upload → wait for
 * the result (data provider) or the discard receipt (model provider). Any failure ends the connection with a
 * one-line reason to the provider.
 */
public final class ProviderConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderConnection.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final FrameChannel channel;
    private final SessionRegistry sessions;
    private final EvidenceSource evidenceSource;
    private final EnclaveConfig config;

    public ProviderConnection(FrameChannel channel, SessionRegistry sessions, EvidenceSource evidenceSource, EnclaveConfig config) {
        this.channel = channel;
        this.sessions = sessions;
        this.evidenceSource = evidenceSource;
        this.config = config;
    }

    public void serve() {
        try {
            run();
        } catch (ProtocolException | SessionFailure e) {
            LOG.warn("provider refused: {}", e.getMessage());
            channel.fail(e.getMessage());
        } catch (IOException e) {
            LOG.warn("provider connection lost: {}", e.getMessage());
        }
    }

    private void run() throws IOException, ProtocolException, SessionFailure {
        Messages.Hello hello = channel.receive(Messages.Hello.class);
        if (hello.role() == null || hello.contract() == null || hello.nonce() == null
                || hello.nonce().length != EvidenceBinding.NONCE_LENGTH) {
            throw new ProtocolException("hello must carry a role, the signed contract and a " + EvidenceBinding.NONCE_LENGTH + "-byte nonce");
        }
        ContractVerifier.Verified contract = ContractVerifier.verify(hello.contract(), Instant.now());
        if (contract.contract().enclave().referenceValues().platform() != dev.veil.attest.Platform.fromId(evidenceSource.platform())) {
            throw new ProtocolException("this enclave runs on platform " + evidenceSource.platform()
                    + " but the contract requires " + contract.contract().enclave().referenceValues().platform());
        }
        Session session = sessions.join(contract);
        Role role = hello.role();

        EvidenceSource.Collected collected = evidenceSource.collect(
                EvidenceBinding.reportData(hello.nonce(), contract.hash(), session.instanceKeys()));
        byte[] evidence = collected.evidence();
        byte[] enclaveNonce = new byte[EvidenceBinding.NONCE_LENGTH];
        RANDOM.nextBytes(enclaveNonce);
        channel.send(new Messages.EvidenceOffer(evidenceSource.platform(), evidence, collected.collateral(), session.instanceKeys(), enclaveNonce));

        Messages.KeyRelease release = channel.receive(Messages.KeyRelease.class);
        KeyReleaseTranscript transcript = new KeyReleaseTranscript(contract.hash(), role, hello.nonce(), enclaveNonce,
                Digests.sha256(evidence), session.instanceKeys());
        if (release.enc() == null || release.wrappedKey() == null || release.signature() == null
                || !contract.contract().party(role).verify(transcript.signingMessage(release.enc(), release.wrappedKey()), release.signature())) {
            throw new ProtocolException("key release is not signed by the contract's " + role + " "
                    + contract.contract().party(role) + " for this connection; refusing it");
        }
        byte[] raw = Hpke.open(session.keyWrap(), transcript.hpkeInfo(), transcript.context(),
                new Hpke.Sealed(release.enc(), release.wrappedKey()));
        try {
            session.depositKey(role, AssetKey.fromBytes(raw), new Session.Attested(evidenceSource.platform(), evidence, collected.collateral(), hello.nonce()));
        } catch (SealException e) {
            throw new ProtocolException("released key is malformed: " + e.getMessage());
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
        // From here the provider is authenticated: a failure on its side ends the session for both parties.
        try {
            channel.send(new Messages.Accepted("key_release", "key held for session " + session.id() + " until both parties consent"));
            Messages.AssetUpload upload = channel.receive(Messages.AssetUpload.class);
            long max = role == Role.MODEL_PROVIDER ? config.maxModelBytes() : config.maxDatasetBytes();
            byte[] sealed = channel.receiveData(upload.size(), max);
            session.depositAsset(role, sealed);
            channel.send(new Messages.Accepted("asset", "sealed asset held in enclave memory"));
        } catch (ProtocolException | SessionFailure | IOException e) {
            session.discard("the " + role + "'s upload failed: " + e.getMessage());
            throw e;
        }

        session.runIfReady();
        long waitMs = config.partyTimeout().toMillis() + TimeUnit.MINUTES.toMillis(30);
        try {
            if (role == Role.DATA_PROVIDER) {
                Session.Delivery d = session.delivery().get(waitMs, TimeUnit.MILLISECONDS);
                channel.send(new Messages.ResultReady(d.receipt(), d.sealedResults().length));
                channel.sendData(d.sealedResults());
            } else {
                channel.send(new Messages.DiscardNotice(session.discardReceipt().get(waitMs, TimeUnit.MILLISECONDS)));
            }
        } catch (ExecutionException e) {
            throw new SessionFailure(e.getCause() == null ? "session failed" : e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new SessionFailure("session timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SessionFailure("enclave interrupted");
        }
    }
}
