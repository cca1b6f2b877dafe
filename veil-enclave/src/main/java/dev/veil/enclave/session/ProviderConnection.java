package dev.veil.enclave.session;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.LogText;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.results.FailureDetail;
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.SealException;
import dev.veil.seal.SealHeader;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enclave's side of one provider's connection, step by step: hello → evidence → key release → upload → wait for
 * the result (data provider) or the discard receipt (model provider).
 *
 * <p>Before a valid key release nobody is authenticated: a refusal names what was wrong with the peer's own hello or
 * release, and ends only this connection. After it, a failure carries a {@link FailureCode} in the clear and its
 * detail sealed to this provider's key; the log gets the code only. Peer text that reaches the log is escaped.
 */
public final class ProviderConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderConnection.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Beyond the party timeout and the contract's time limit: unsealing the model and sealing the results. */
    private static final Duration RUN_MARGIN = Duration.ofMinutes(30);

    private final FrameChannel channel;
    private final SessionRegistry sessions;
    private final EvidenceSource evidenceSource;
    private final EnclaveConfig config;
    /** The session this connection joined by its hello, until a valid key release authenticates it. */
    private Session joined;
    /** The session whose instance keys this connection's evidence offered; refusals after that are signed by them. */
    private Session offered;
    private Role offeredRole;
    /** The session this connection serves, from its hello; the session cuts this connection's reading when it ends. */
    private Session attached;
    /** Set when the session ended while this connection served it: a read that fails then failed because of that. */
    private volatile boolean sessionEnded;
    /** Set once this connection reads nothing more (only sends the outcome): a failure from then is not the cut's. */
    private boolean doneReading;
    private final Runnable cutOnSessionEnd = () -> {
        sessionEnded = true;
        cutInput();
    };

    public ProviderConnection(FrameChannel channel, SessionRegistry sessions, EvidenceSource evidenceSource, EnclaveConfig config) {
        this.channel = channel;
        this.sessions = sessions;
        this.evidenceSource = evidenceSource;
        this.config = config;
    }

    /** A provider that proved who it is by a valid key release. */
    private record Authenticated(Session session, Role role) {
    }

    /**
     * Serves the connection to its end. Every message must arrive whole within the handshake deadline of the enclave
     * asking for it, an upload must keep the minimum rate, what the enclave sends must be taken within the idle
     * timeout, and the connection ends when its session does: a peer cannot hold a connection slot without making
     * progress.
     */
    public void serve() {
        try {
            serveToEnd();
        } finally {
            if (attached != null) {
                attached.detach(cutOnSessionEnd);
            }
        }
    }

    private void serveToEnd() {
        Authenticated who;
        try {
            channel.setReadTimeout(config.limits().idleTimeout());
            channel.setSendTimeout(config.limits().idleTimeout());   // a peer that stops reading our results lets go of its slot too
            who = authenticate();
        } catch (ProtocolException e) {
            refuse(FailureCode.CONTRACT_REFUSED, e.getMessage());
            return;
        } catch (SessionFailure e) {
            refuse(e.code(), e.detail());
            return;
        } catch (FrameChannel.MessageDeadlinePassed e) {
            refuse(FailureCode.PEER_PROTOCOL_ERROR, "a handshake message did not arrive whole within this enclave's handshake "
                    + "deadline of " + config.limits().handshakeTimeout().toSeconds() + " s; connect again and send it at once");
            return;
        } catch (IOException e) {
            if (sessionEnded) {
                refuse(FailureCode.SESSION_UNAVAILABLE, "session " + attached.id() + " ended before this connection's key release; "
                        + "start again");
            } else {
                LOG.info("connection closed before a key release: {}", LogText.escape(e.getMessage()));
            }
            return;
        } finally {
            if (joined != null) {   // not authenticated: this connection no longer keeps the session open
                sessions.leave(joined);
            }
        }
        try {
            serveAuthenticated(who);
        } catch (SessionFailure e) {
            LOG.warn("session {}: the {}'s connection ended: {}", who.session().id(), who.role(), e.code());
            failSealed(who, e);
        } catch (IOException e) {
            if (sessionEnded && !doneReading) {
                SessionFailure notice = who.session().endNotice();
                LOG.warn("session {}: the {}'s connection was cut: the session ended ({})", who.session().id(), who.role(), notice.code());
                failSealed(who, notice);
            } else {
                LOG.warn("session {}: the {}'s connection was lost", who.session().id(), who.role());
            }
        }
    }

    /** Hello, evidence, key release: the steps before the provider is authenticated. */
    private Authenticated authenticate() throws IOException, ProtocolException, SessionFailure {
        Messages.Hello hello = channel.receive(Messages.Hello.class, config.limits().handshakeTimeout());
        if (hello.role() == null || hello.contract() == null || hello.nonce() == null
                || hello.nonce().length != EvidenceBinding.NONCE_LENGTH) {
            throw new ProtocolException("hello must carry a role, the signed contract and a " + EvidenceBinding.NONCE_LENGTH + "-byte nonce");
        }
        ContractVerifier.Verified contract = ContractVerifier.verify(hello.contract(), Instant.now());
        if (contract.contract().enclave().referenceValues().platform() != evidenceSource.platform()) {
            throw new ProtocolException("this enclave runs on platform " + evidenceSource.platform()
                    + " but the contract requires " + contract.contract().enclave().referenceValues().platform());
        }
        Session session = sessions.join(contract);
        joined = session;
        if (!session.attach(cutOnSessionEnd)) {
            throw new SessionFailure(FailureCode.SESSION_UNAVAILABLE, "session " + session.id() + " has ended; start again");
        }
        attached = session;
        Role role = hello.role();

        EvidenceSource.Collected collected = evidenceSource.collect(
                EvidenceBinding.reportData(hello.nonce(), contract.hash(), session.instanceKeys()));
        byte[] evidence = collected.evidence();
        byte[] enclaveNonce = new byte[EvidenceBinding.NONCE_LENGTH];
        RANDOM.nextBytes(enclaveNonce);
        channel.send(new Messages.EvidenceOffer(evidenceSource.platform(), evidence, collected.collateral(), session.instanceKeys(), enclaveNonce));
        offered = session;
        offeredRole = role;

        // Counted from the evidence offer: the provider's appraisal (and its own collateral fetch) is inside it.
        Messages.KeyRelease release = channel.receive(Messages.KeyRelease.class, config.limits().handshakeTimeout());
        KeyReleaseTranscript transcript = new KeyReleaseTranscript(contract.hash(), role, hello.nonce(), enclaveNonce,
                Digests.sha256(evidence), session.instanceKeys());
        if (release.enc() == null || release.wrappedKey() == null || release.signature() == null
                || !contract.contract().party(role).verify(transcript.signingMessage(release.enc(), release.wrappedKey()), release.signature())) {
            throw new ProtocolException("key release is not signed by the contract's " + role + " "
                    + contract.contract().party(role) + " for this connection; refusing it");
        }
        AssetKeyWrap.Unwrapped key = AssetKeyWrap.unwrap(session.keyWrap(), transcript.hpkeInfo(), transcript.context(),
                new Hpke.Sealed(release.enc(), release.wrappedKey()), 0);
        joined = null;   // releaseKey takes this connection off the unauthenticated count, whatever it decides
        sessions.releaseKey(session, role, key.key(), new Session.Attested(evidenceSource.platform(), evidence, collected.collateral(), hello.nonce()));
        return new Authenticated(session, role);
    }

    /**
     * Upload, then the outcome. The model is received whole (ONNX Runtime loads it from memory); the dataset streams
     * through the model as it arrives, so the data provider's connection runs the session. A failure here ends the
     * session for both parties; a data provider still sending is read to the end of its upload first, so that it can
     * read the failure.
     */
    private void serveAuthenticated(Authenticated who) throws IOException, SessionFailure {
        Session session = who.session();
        Role role = who.role();
        InputStream upload = null;
        SealHeader datasetHeader = null;
        try {
            channel.send(new Messages.Accepted("key_release", "key held for session " + session.id() + " until both parties consent"));
            Messages.AssetUpload announced = channel.receive(Messages.AssetUpload.class, config.limits().handshakeTimeout());
            long max = role == Role.MODEL_PROVIDER ? config.maxModelBytes() : config.maxDatasetBytes();
            if (announced.size() < 0 || announced.size() > max) {
                throw new SessionFailure(FailureCode.LIMIT_EXCEEDED, "announced upload of " + announced.size()
                        + " bytes exceeds this enclave's limit of " + max + " bytes");
            }
            // Either upload keeps the minimum rate from its first byte: the per-read idle timeout alone lets a trickle
            // hold the connection (and the session's keys) for as long as it likes.
            upload = new MinimumUploadRate(channel.dataInput(announced.size()), config.limits().idleTimeout());
            if (role == Role.MODEL_PROVIDER) {
                session.depositModel(upload.readAllBytes());
                doneReading = true;
                channel.send(new Messages.Accepted("asset", "sealed model held in enclave memory"));
            } else {
                datasetHeader = readHeader(upload);
                session.acceptDatasetHeader(datasetHeader);
                channel.send(new Messages.Accepted("asset", "sealed dataset accepted; it streams through the model as it arrives"));
            }
        } catch (SessionFailure e) {
            drainQuietly(upload);
            session.discard(new SessionFailure(e.code(), "the " + role + "'s upload was refused"));
            throw e;
        } catch (ProtocolException | FrameChannel.DataFrameInputStream.Malformed e) {
            session.discard(new SessionFailure(FailureCode.PEER_PROTOCOL_ERROR, "the " + role + " broke the protocol"));
            throw new SessionFailure(FailureCode.PEER_PROTOCOL_ERROR, e.getMessage());
        } catch (MinimumUploadRate.TooSlow | FrameChannel.MessageDeadlinePassed e) {
            session.discard(new SessionFailure(FailureCode.PARTY_TIMEOUT, "the " + role + "'s upload was too slow"));
            throw new SessionFailure(FailureCode.PARTY_TIMEOUT, "the " + role + "'s upload: " + e.getMessage());
        } catch (IOException e) {
            session.discard(new SessionFailure(FailureCode.PEER_PROTOCOL_ERROR, "the " + role + "'s connection was lost"));
            throw e;
        }

        if (role == Role.DATA_PROVIDER) {
            InputStream rated = upload;
            Session.Delivery d = session.runWithDataset(datasetHeader, new Session.Upload() {
                @Override
                public InputStream stream() {
                    return rated;
                }

                @Override
                public void cut() {
                    cutInput();
                }

                @Override
                public void drain() {
                    drainQuietly(rated);
                }
            });
            doneReading = true;
            try (InputStream sealed = d.open()) {
                channel.send(new Messages.ResultReady(d.receipt(), d.size()));
                channel.sendData(sealed, d.size());
            } finally {
                d.delete();
            }
        } else {
            long waitMs = config.partyTimeout().plusSeconds(session.contract().contract().limits().maxInferenceSeconds())
                    .plus(RUN_MARGIN).toMillis();
            channel.send(new Messages.DiscardNotice(await(session.discardReceipt(), waitMs)));
        }
    }

    /** The sealed dataset's header, from the first bytes of the upload. */
    private static SealHeader readHeader(InputStream upload) throws IOException, SessionFailure {
        byte[] h = upload.readNBytes(SealHeader.LENGTH);
        try {
            return SealHeader.decode(h);
        } catch (SealException e) {
            throw new SessionFailure(FailureCode.ASSET_INVALID, "sealed dataset: " + e.getMessage());
        }
    }

    /**
     * Reads a failed upload to its end, so that a data provider still sending gets to read why; gives up on a broken
     * or trickled one (the upload keeps its minimum rate).
     */
    private static void drainQuietly(InputStream rated) {
        if (rated == null) {
            return;
        }
        try {
            byte[] sink = new byte[1 << 16];
            while (rated.read(sink) >= 0) {
                java.util.Arrays.fill(sink, (byte) 0);
            }
        } catch (IOException ignored) {
            // a malformed, lost or trickled upload: the connection ends anyway
        }
    }

    private static <T> T await(Future<T> outcome, long waitMs) throws SessionFailure {
        try {
            return outcome.get(waitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SessionFailure f ? f
                    : new SessionFailure(FailureCode.INTERNAL_ERROR, "the session failed inside the enclave");
        } catch (TimeoutException e) {
            throw new SessionFailure(FailureCode.TIMEOUT, "the session did not end within " + waitMs / 1000 + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SessionFailure(FailureCode.ENCLAVE_SHUTDOWN, "the enclave is shutting down");
        }
    }

    /** Ends this connection's reading (a read blocked in another thread returns at once); sending still works. */
    private void cutInput() {
        channel.shutdownInput();
    }

    /** Before authentication: the peer hears what was wrong with its own messages; the log gets it escaped. */
    private void refuse(FailureCode code, String reason) {
        LOG.warn("provider refused ({}): {}", code, LogText.escape(reason));
        Messages.Failure failure = new Messages.Failure(code, reason, null);
        // Once the provider holds our evidence it can check the instance key's signature, and will insist on it.
        channel.fail(offered == null ? failure : offered.signed(failure, offeredRole));
    }

    /** After authentication: the code in the clear, the detail sealed to this provider only. */
    private void failSealed(Authenticated who, SessionFailure failure) {
        ContractVerifier.Verified contract = who.session().contract();
        byte[] sealed = null;
        try {
            sealed = FailureDetail.seal(failure.detail(), contract.contract().party(who.role()), who.role(), contract.hash());
        } catch (ProtocolException e) {
            LOG.warn("session {}: the failure detail could not be sealed to the {}", who.session().id(), who.role());
        }
        channel.fail(who.session().signed(new Messages.Failure(failure.code(), failure.code().description(), sealed), who.role()));
    }
}
