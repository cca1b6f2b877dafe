package dev.veil.enclave.session;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.OutputEncoder;
import dev.veil.enclave.vault.KeyVault;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.receipt.ReceiptSigner;
import dev.veil.protocol.receipt.ResultCommitments;
import dev.veil.protocol.receipt.ResultReceipt;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.results.SealedResults;
import dev.veil.protocol.wire.FailureSignature;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.SealException;
import dev.veil.seal.SealHeader;
import dev.veil.seal.Unsealer;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.TensorFiles;
import dev.veil.tensor.TensorFormatException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session: one contract, one set of instance keys, two providers. It moves OPEN → RUNNING → DISCARDED and never
 * back. Keys are used only under joint consent (both released), plaintext exists only in memory while RUNNING, and
 * whatever happens the session ends discarded. A RUNNING session is discarded only by its own run, once ONNX Runtime
 * has returned and its session is closed, so the discard receipt never claims what has not happened. Failures carry
 * a {@link FailureCode} for the log and a detail for the data provider only. The model provider's discard receipt
 * states the code only for a session that ended before the data provider's data was given to the model; from then on
 * it says "discarded" whatever happened, so a hostile model cannot signal the data through the outcome.
 */
public final class Session {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    enum State { OPEN, RUNNING, DISCARDED }

    /**
     * The discard receipt's last item once the data was processed: the copies the JVM or ONNX Runtime made that Veil
     * cannot zero, only drop (docs/MEMORY.md).
     */
    static final String NOT_ZEROED = "not zeroed, only dropped: the dataset's text while parsing, the encoded output's text "
            + "while encoding, ONNX Runtime's native buffers (freed with its session)";

    /** What the data provider receives. */
    public record Delivery(byte[] sealedResults, SignedReceipt receipt) {
    }

    /** The evidence a provider verified, kept to put in its receipt. */
    record Attested(dev.veil.attest.Platform platform, byte[] evidence, List<byte[]> collateral, byte[] nonce) {
    }

    /** Told when the session is over; answers whether its contract was tombstoned. */
    interface Retirement {
        boolean retire(boolean keyWasReleased);
    }

    private final ContractVerifier.Verified contract;
    private final EnclaveConfig config;
    private final InstanceKeyPairs keys;
    private final KeyVault vault = new KeyVault();
    private final Map<Role, byte[]> sealedAssets = new EnumMap<>(Role.class);
    private final Map<Role, Attested> attested = new EnumMap<>(Role.class);
    private final CompletableFuture<Delivery> delivery = new CompletableFuture<>();
    private final CompletableFuture<SignedReceipt> discardReceipt = new CompletableFuture<>();
    /** What was actually released, in order; the discard receipt lists exactly this. */
    private final List<String> released = Collections.synchronizedList(new ArrayList<>());
    private final Retirement retirement;
    private State state = State.OPEN;
    private boolean anyKeyReleased;
    /** Set once the data provider's data is handed to the model: the model provider's outcome is "discarded" from then. */
    private volatile boolean dataGivenToModel;
    private ModelRunner activeRunner;
    private boolean shuttingDown;

    Session(ContractVerifier.Verified contract, EnclaveConfig config, Retirement retirement) {
        this.contract = contract;
        this.config = config;
        this.keys = new InstanceKeyPairs(contract.contract().keyWrap());
        this.retirement = retirement;
    }

    public ContractVerifier.Verified contract() {
        return contract;
    }

    public InstanceKeys instanceKeys() {
        return keys.publicKeys();
    }

    public KemKeyPair keyWrap() {
        return keys.keyWrap();
    }

    public String id() {
        return contract.hashHex().substring(0, 12);
    }

    public CompletableFuture<Delivery> delivery() {
        return delivery;
    }

    public CompletableFuture<SignedReceipt> discardReceipt() {
        return discardReceipt;
    }

    /** A provider proved its identity by a key release; its key and the evidence it verified are kept. */
    public synchronized void depositKey(Role role, AssetKey key, Attested evidence) throws SessionFailure {
        if (state != State.OPEN) {
            key.close();
            throw notOpen();
        }
        try {
            vault.deposit(role, key);
        } catch (IllegalStateException e) {
            throw new SessionFailure(FailureCode.SESSION_UNAVAILABLE, e.getMessage());
        }
        anyKeyReleased = true;
        attested.put(role, evidence);
        LOG.info("session {}: {} verified this instance and released its key", id(), role);
    }

    /** Accepts a provider's sealed asset after checking its header against the released key, without decrypting. */
    public synchronized void depositAsset(Role role, byte[] sealed) throws SessionFailure {
        if (state != State.OPEN) {
            throw notOpen();
        }
        if (!vault.holds(role)) {
            throw new SessionFailure(FailureCode.PEER_PROTOCOL_ERROR, "the " + role + " must release its key before uploading");
        }
        if (sealedAssets.containsKey(role)) {
            throw new SessionFailure(FailureCode.PEER_PROTOCOL_ERROR, "the " + role + " has already uploaded its asset");
        }
        ContentType expected = role == Role.MODEL_PROVIDER ? ContentType.MODEL : ContentType.DATASET;
        SealHeader h;
        try {
            h = SealHeader.decode(sealed);
        } catch (SealException e) {
            throw new SessionFailure(FailureCode.ASSET_INVALID, "sealed " + expected.label() + ": " + e.getMessage());
        }
        if (h.contentType() != expected) {
            throw new SessionFailure(FailureCode.ASSET_INVALID, "the " + role + " uploaded a sealed " + h.contentType().label()
                    + ", expected a sealed " + expected.label());
        }
        if (!MessageDigest.isEqual(h.keyId(), vault.keyId(role))) {
            throw new SessionFailure(FailureCode.ASSET_INVALID, "the sealed " + expected.label() + " was sealed with key id "
                    + h.keyIdHex() + " but the key released has id " + Digests.hex(vault.keyId(role)));
        }
        if (role == Role.MODEL_PROVIDER && !h.plaintextSha256Hex().equals(contract.contract().model().sha256())) {
            throw new SessionFailure(FailureCode.ASSET_INVALID, "model digest " + h.plaintextSha256Hex()
                    + " is not the contract's model " + contract.contract().model().sha256());
        }
        if (role == Role.DATA_PROVIDER) {
            DatasetLimits.checkPin(contract.contract().limits(), h);
        }
        sealedAssets.put(role, sealed);
        LOG.info("session {}: sealed {} received ({} bytes)", id(), expected.label(), sealed.length);
    }

    synchronized boolean anyKeyReleased() {
        return anyKeyReleased;
    }

    synchronized boolean jointConsent() {
        return vault.jointConsent();
    }

    /** A failure message for a provider of this session, signed by the instance key so the provider can tell it is ours. */
    public Messages.Failure signed(Messages.Failure failure, Role recipient) {
        return FailureSignature.sign(failure, contract.hash(), recipient, keys.signingKey());
    }

    /** Runs the inference if, and only if, both parties have released keys and uploaded assets. */
    public void runIfReady() {
        synchronized (this) {
            if (state != State.OPEN || !vault.jointConsent() || sealedAssets.size() < 2) {
                return;
            }
            state = State.RUNNING;
        }
        Delivery d = null;
        SessionFailure failure = null;
        Throwable thrown = null;
        try {
            d = infer();
        } catch (SessionFailure e) {
            failure = e;
        } catch (Throwable e) {
            // Whatever was thrown, the session is discarded and its keys wiped: none may stay stuck RUNNING.
            // Only the class: an exception's message may quote the data.
            LOG.error("session {}: internal failure ({})", id(), e.getClass().getName());
            failure = new SessionFailure(FailureCode.INTERNAL_ERROR, "the enclave failed while running the model ("
                    + e.getClass().getSimpleName() + ")");
            thrown = e;
        }
        synchronized (this) {
            if (failure != null && shuttingDown && failure.code() == FailureCode.TIMEOUT) {
                failure = new SessionFailure(FailureCode.ENCLAVE_SHUTDOWN, "the enclave shut down during the model run");
            }
        }
        finish(failure);
        if (d != null) {
            delivery.complete(d);
        }
        if (thrown instanceof Error error && !(error instanceof OutOfMemoryError)) {
            throw error;   // discarded first; a JVM error other than running out of memory is not ours to swallow
        }
    }

    private Delivery infer() throws SessionFailure {
        long t0 = System.nanoTime();
        SessionLimits limits = contract.contract().limits();
        Unsealer.Opened model = null;
        Unsealer.Opened data = null;
        FloatTensor input = null;
        OutputEncoder.Encoded out = null;
        try {
            PhaseTimer phases = new PhaseTimer();
            model = open(Role.MODEL_PROVIDER);
            if (!model.header().plaintextSha256Hex().equals(contract.contract().model().sha256())) {
                throw new SessionFailure(FailureCode.ASSET_INVALID, "model digest " + model.header().plaintextSha256Hex()
                        + " is not the contract's " + contract.contract().model().sha256());
            }
            data = open(Role.DATA_PROVIDER);
            DatasetLimits.checkPin(limits, data.header());
            phases.mark("unseal");
            DatasetLimits.checkRowsBeforeParsing(limits, data.plaintext());
            try {
                input = TensorFiles.read(data.plaintext());
            } catch (TensorFormatException e) {
                throw new SessionFailure(FailureCode.DATASET_INVALID, "dataset: " + e.getMessage());
            }
            DatasetLimits.checkRows(limits, input);
            // The parsed tensor is all inference needs: wipe and drop the raw bytes now rather than at discard.
            Arrays.fill(data.plaintext(), (byte) 0);
            wipeSealed();
            phases.mark("parse");
            ModelRunner runner;
            try {
                runner = new ModelRunner(model.plaintext(), config.intraOpThreads(), config.workDir().resolve("ort-scratch"));
            } catch (InferenceException e) {
                throw new SessionFailure(e.code(), e.getMessage());
            }
            List<ModelRunner.BatchOutput> raw = null;
            try {
                synchronized (this) {
                    activeRunner = runner;
                    if (shuttingDown) {
                        runner.terminate();
                    }
                }
                // ONNX Runtime holds its own copy of the model now; wipe ours at once.
                Arrays.fill(model.plaintext(), (byte) 0);
                phases.mark("load");
                // Veil's own check of the input against the model's declared input, before the model sees any data.
                runner.checkAccepts(input);
                dataGivenToModel = true;
                raw = runner.run(input, config.batchSize(), Duration.ofSeconds(limits.maxInferenceSeconds()));
                phases.mark("run");
                out = OutputEncoder.encode(contract.contract().output(), raw, input.rows());
                phases.mark("encode");
            } catch (InferenceException e) {
                throw new SessionFailure(e.code(), e.getMessage());
            } finally {
                synchronized (this) {
                    activeRunner = null;
                }
                // From the moment the model has the data, the items are the same whatever happened (success, failure,
                // timeout): the list must not tell the model provider how the run went.
                if (dataGivenToModel) {
                    released.add("input batch copies zeroed");
                    if (raw != null) {
                        wipe(raw);
                    }
                    released.add("model output tensors zeroed");
                }
                if (runner.closeSession()) {
                    released.add("onnx runtime session closed");
                }
            }
            return deliver(out, data.header(), phases, t0);
        } finally {
            if (dataGivenToModel) {
                if (out != null) {
                    Arrays.fill(out.bytes(), (byte) 0);
                }
                released.add("encoded output buffer zeroed");
            }
            if (model != null) {
                Arrays.fill(model.plaintext(), (byte) 0);
                released.add("model plaintext buffer zeroed");
            }
            if (data != null) {
                Arrays.fill(data.plaintext(), (byte) 0);
                released.add("dataset plaintext buffer zeroed");
            }
            if (input != null) {
                Arrays.fill(input.values(), 0f);
                released.add("parsed input tensor zeroed");
            }
        }
    }

    /** Seals the output to the data provider and signs its receipt, whose digests are salted commitments. */
    private Delivery deliver(OutputEncoder.Encoded out, SealHeader dataHeader, PhaseTimer phases, long t0) throws SessionFailure {
        try {
            SealedResults.Sealed sealed = SealedResults.seal(out.bytes(), out.rows(), out.paddedLength(),
                    contract.contract().dataProvider(), contract.hash());
            phases.mark("seal");
            Attested dp = attested.get(Role.DATA_PROVIDER);
            ResultReceipt receipt = new ResultReceipt(contract.hashHex(), contract.contract().model().sha256(),
                    ResultCommitments.input(sealed.commitmentSalt(), dataHeader.plaintextSha256()),
                    ResultCommitments.output(sealed.commitmentSalt(), out.bytes()),
                    contract.contract().output().kind(), Digests.hex(Digests.sha256(dp.evidence())), Instant.now().toString());
            // No row count: a hostile model can make the output's length a cell of the data.
            LOG.info("session {}: inference done in {} ms ({})", id(), (System.nanoTime() - t0) / 1_000_000, phases);
            return new Delivery(sealed.bytes(), ReceiptSigner.sign(ResultReceipt.KIND, receipt, keys.signingKey(),
                    dp.platform(), dp.evidence(), dp.collateral(), dp.nonce(), keys.publicKeys()));
        } catch (ProtocolException e) {
            throw new SessionFailure(FailureCode.INTERNAL_ERROR, "results could not be sealed to the data provider: " + e.getMessage());
        }
    }

    private static void wipe(List<ModelRunner.BatchOutput> outputs) {
        for (ModelRunner.BatchOutput b : outputs) {
            b.floats().forEach(t -> Arrays.fill(t.values(), 0f));
            b.int64s().forEach(v -> {
                if (v != null) {
                    Arrays.fill(v, 0L);
                }
            });
        }
    }

    private synchronized void wipeSealed() {
        if (!sealedAssets.isEmpty()) {
            sealedAssets.values().forEach(b -> Arrays.fill(b, (byte) 0));
            sealedAssets.clear();
            released.add("sealed uploads zeroed");
        }
    }

    private Unsealer.Opened open(Role role) throws SessionFailure {
        try {
            return Unsealer.unsealBytes(sealedAssets.get(role), vault.use(role));
        } catch (SealException e) {
            throw new SessionFailure(role == Role.MODEL_PROVIDER ? FailureCode.ASSET_INVALID : FailureCode.DATASET_INVALID,
                    "sealed " + role + " asset: " + e.getMessage());
        }
    }

    /**
     * Discards a session that is not running (a provider failed before the run, the party timeout passed, the enclave
     * stops). A running session ignores this: only its run ends it, after ONNX Runtime returned.
     */
    public void discard(SessionFailure failure) {
        synchronized (this) {
            if (state != State.OPEN) {
                return;
            }
            state = State.RUNNING;   // claimed by this call; finish() ends it
        }
        finish(failure);
    }

    /** Party timeout: discards the session only while it still waits for a provider's key release. */
    void discardIfWaitingForParties() {
        synchronized (this) {
            if (state != State.OPEN || vault.jointConsent()) {
                return;
            }
            state = State.RUNNING;   // claimed by this call; finish() ends it
        }
        finish(new SessionFailure(FailureCode.PARTY_TIMEOUT, "the other provider did not release its key within "
                + config.partyTimeout().toSeconds() + " s"));
    }

    /**
     * Upload deadline: both keys were released a party timeout ago and the uploads are still not complete (a host can
     * trickle an upload a byte at a time under the per-read idle timeout). The session is discarded as party_timeout.
     */
    void discardIfUploadsIncomplete() {
        synchronized (this) {
            if (state != State.OPEN) {
                return;
            }
            state = State.RUNNING;   // claimed by this call; finish() ends it
        }
        finish(new SessionFailure(FailureCode.PARTY_TIMEOUT, "the uploads did not complete within "
                + config.partyTimeout().toSeconds() + " s of both keys being released"));
    }

    /** The enclave is stopping: an open session is discarded, a running one is terminated and discards itself. */
    void shutdown() {
        synchronized (this) {
            shuttingDown = true;
            if (activeRunner != null) {
                activeRunner.terminate();
            }
        }
        discard(new SessionFailure(FailureCode.ENCLAVE_SHUTDOWN, "the enclave shut down"));
    }

    /**
     * Ends the session: wipes keys and sealed buffers, tombstones the contract if a key was released, signs the discard
     * receipt for the model provider listing what was actually done, and tells anyone still waiting why, if it failed.
     */
    private void finish(SessionFailure failure) {
        synchronized (this) {
            if (state == State.DISCARDED) {
                return;
            }
            state = State.DISCARDED;
        }
        if (vault.holdsAny()) {
            released.add("asset keys zeroed");
        }
        vault.close();
        wipeSealed();
        keys.close();
        released.add("instance key-wrap private key zeroed");
        if (retirement.retire(anyKeyReleased)) {
            released.add("session tombstoned: refuses further use");
        }
        if (dataGivenToModel) {
            released.add(NOT_ZEROED);
        }
        Attested mp = attested.get(Role.MODEL_PROVIDER);
        if (mp != null) {
            DiscardReceipt r = new DiscardReceipt(contract.hashHex(), contract.contract().model().sha256(),
                    failure == null || dataGivenToModel ? DiscardReceipt.DISCARDED : DiscardReceipt.failed(failure.code()),
                    List.copyOf(released),
                    Instant.now().toString(), Digests.hex(Digests.sha256(mp.evidence())));
            discardReceipt.complete(ReceiptSigner.sign(DiscardReceipt.KIND, r, keys.signingKey(), mp.platform(),
                    mp.evidence(), mp.collateral(), mp.nonce(), keys.publicKeys()));
        } else {
            discardReceipt.completeExceptionally(failure != null ? failure
                    : new SessionFailure(FailureCode.INTERNAL_ERROR, "session discarded"));
        }
        if (failure != null) {
            delivery.completeExceptionally(failure);
            LOG.warn("session {}: discarded after failure: {}", id(), failure.code());
        } else {
            LOG.info("session {}: discarded; model, data and keys released", id());
        }
    }

    private SessionFailure notOpen() {
        return new SessionFailure(FailureCode.SESSION_UNAVAILABLE, "session " + id() + " is "
                + state.name().toLowerCase() + " and accepts nothing more");
    }
}
