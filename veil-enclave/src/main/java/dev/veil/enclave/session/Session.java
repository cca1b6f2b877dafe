package dev.veil.enclave.session;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.OutputEncoder;
import dev.veil.enclave.vault.KeyVault;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.ReceiptSigner;
import dev.veil.protocol.receipt.ResultReceipt;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.results.SealedResults;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.SealException;
import dev.veil.seal.SealHeader;
import dev.veil.seal.Unsealer;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.TensorFiles;
import dev.veil.tensor.TensorFormatException;
import java.security.MessageDigest;
import java.time.Instant;
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
 * whatever happens the session ends discarded.
 */
public final class Session {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    enum State { OPEN, RUNNING, DISCARDED }

    /** What the data provider receives. */
    public record Delivery(byte[] sealedResults, SignedReceipt receipt) {
    }

    /** The evidence a provider verified, kept to put in its receipt. */
    record Attested(String platform, byte[] evidence, List<byte[]> collateral, byte[] nonce) {
    }

    private final ContractVerifier.Verified contract;
    private final EnclaveConfig config;
    private final InstanceKeyPairs keys;
    private final KeyVault vault = new KeyVault();
    private final Map<Role, byte[]> sealedAssets = new EnumMap<>(Role.class);
    private final Map<Role, Attested> attested = new EnumMap<>(Role.class);
    private final CompletableFuture<Delivery> delivery = new CompletableFuture<>();
    private final CompletableFuture<SignedReceipt> discardReceipt = new CompletableFuture<>();
    private final Runnable onDiscarded;
    private State state = State.OPEN;

    Session(ContractVerifier.Verified contract, EnclaveConfig config, Runnable onDiscarded) {
        this.contract = contract;
        this.config = config;
        this.keys = new InstanceKeyPairs(contract.contract().keyWrap());
        this.onDiscarded = onDiscarded;
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
        requireOpen();
        try {
            vault.deposit(role, key);
        } catch (IllegalStateException e) {
            throw new SessionFailure(e.getMessage());
        }
        attested.put(role, evidence);
        LOG.info("session {}: {} verified this instance and released its key", id(), role);
    }

    /** Accepts a provider's sealed asset after checking its header against the released key, without decrypting. */
    public synchronized void depositAsset(Role role, byte[] sealed) throws SessionFailure {
        requireOpen();
        if (!vault.holds(role)) {
            throw new SessionFailure("the " + role + " must release its key before uploading");
        }
        if (sealedAssets.containsKey(role)) {
            throw new SessionFailure("the " + role + " has already uploaded its asset");
        }
        ContentType expected = role == Role.MODEL_PROVIDER ? ContentType.MODEL : ContentType.DATASET;
        SealHeader h;
        try {
            h = SealHeader.decode(sealed);
        } catch (SealException e) {
            throw new SessionFailure("sealed " + expected.label() + ": " + e.getMessage());
        }
        if (h.contentType() != expected) {
            throw new SessionFailure("the " + role + " uploaded a sealed " + h.contentType().label() + ", expected a sealed " + expected.label());
        }
        if (!MessageDigest.isEqual(h.keyId(), vault.keyId(role))) {
            throw new SessionFailure("the sealed " + expected.label() + " was sealed with key id " + h.keyIdHex()
                    + " but the key released has id " + Digests.hex(vault.keyId(role)));
        }
        if (role == Role.MODEL_PROVIDER && !h.plaintextSha256Hex().equals(contract.contract().model().sha256())) {
            throw new SessionFailure("model digest " + h.plaintextSha256Hex() + " is not the contract's model "
                    + contract.contract().model().sha256());
        }
        sealedAssets.put(role, sealed);
        LOG.info("session {}: sealed {} received ({} bytes)", id(), expected.label(), sealed.length);
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
        String failure = null;
        try {
            d = infer();
        } catch (SessionFailure e) {
            failure = e.getMessage();
        } catch (RuntimeException | OutOfMemoryError e) {
            failure = "the enclave failed while running the model (" + e.getClass().getSimpleName() + ")";
            LOG.error("session {}: internal failure", id(), e);
        }
        discard(failure);
        if (d != null) {
            delivery.complete(d);
        }
    }

    private Delivery infer() throws SessionFailure {
        long t0 = System.nanoTime();
        Unsealer.Opened model = null;
        Unsealer.Opened data = null;
        try {
            PhaseTimer phases = new PhaseTimer();
            model = open(Role.MODEL_PROVIDER);
            if (!model.header().plaintextSha256Hex().equals(contract.contract().model().sha256())) {
                throw new SessionFailure("model digest " + model.header().plaintextSha256Hex() + " is not the contract's "
                        + contract.contract().model().sha256());
            }
            data = open(Role.DATA_PROVIDER);
            phases.mark("unseal");
            FloatTensor input;
            try {
                input = TensorFiles.read(data.plaintext());
            } catch (TensorFormatException e) {
                throw new SessionFailure("dataset: " + e.getMessage());
            }
            // The parsed tensor is all inference needs: wipe and drop the raw bytes now rather than at discard.
            Arrays.fill(data.plaintext(), (byte) 0);
            wipeSealed();
            phases.mark("parse");
            OutputEncoder.Encoded out;
            try (ModelRunner runner = new ModelRunner(model.plaintext(), config.intraOpThreads())) {
                // ONNX Runtime holds its own copy of the model now; wipe ours at once.
                Arrays.fill(model.plaintext(), (byte) 0);
                phases.mark("load");
                var raw = runner.run(input, config.batchSize());
                phases.mark("run");
                out = OutputEncoder.encode(contract.contract().output(), raw);
                phases.mark("encode");
            } catch (InferenceException e) {
                throw new SessionFailure(e.getMessage());
            } finally {
                Arrays.fill(input.values(), 0f);
            }
            byte[] sealedResults = SealedResults.seal(out.bytes(), contract.contract().dataProvider(), contract.hash());
            phases.mark("seal");
            Attested dp = attested.get(Role.DATA_PROVIDER);
            ResultReceipt receipt = new ResultReceipt(contract.hashHex(), contract.contract().model().sha256(),
                    data.header().plaintextSha256Hex(), Digests.hex(Digests.sha256(out.bytes())),
                    contract.contract().output().kind(), out.rows(), Digests.hex(Digests.sha256(dp.evidence())),
                    Instant.now().toString());
            Arrays.fill(out.bytes(), (byte) 0);
            LOG.info("session {}: inference over {} rows done in {} ms ({})", id(), out.rows(), (System.nanoTime() - t0) / 1_000_000, phases);
            return new Delivery(sealedResults, ReceiptSigner.sign(ResultReceipt.KIND, receipt, keys.signingKey(),
                    dp.platform(), dp.evidence(), dp.collateral(), dp.nonce(), keys.publicKeys()));
        } catch (ProtocolException e) {
            throw new SessionFailure(e.getMessage());
        } finally {
            if (model != null) {
                Arrays.fill(model.plaintext(), (byte) 0);
            }
            if (data != null) {
                Arrays.fill(data.plaintext(), (byte) 0);
            }
        }
    }

    private synchronized void wipeSealed() {
        sealedAssets.values().forEach(b -> Arrays.fill(b, (byte) 0));
        sealedAssets.clear();
    }

    private Unsealer.Opened open(Role role) throws SessionFailure {
        try {
            return Unsealer.unsealBytes(sealedAssets.get(role), vault.use(role));
        } catch (SealException e) {
            throw new SessionFailure(e.getMessage());
        }
    }

    /**
     * Ends the session: releases the inference session (closed above), wipes keys and sealed buffers, signs the
     * discard receipt for the model provider, and tells anyone still waiting why, if it failed.
     */
    public void discard(String failure) {
        synchronized (this) {
            if (state == State.DISCARDED) {
                return;
            }
            state = State.DISCARDED;
        }
        vault.close();
        wipeSealed();
        Attested mp = attested.get(Role.MODEL_PROVIDER);
        if (mp != null) {
            DiscardReceipt r = new DiscardReceipt(contract.hashHex(), contract.contract().model().sha256(),
                    failure == null ? DiscardReceipt.COMPLETED : "failed: " + failure,
                    List.of("onnx runtime session closed", "model plaintext buffer zeroed", "dataset plaintext buffer zeroed",
                            "asset keys zeroed", "sealed uploads zeroed", "instance key-wrap private key zeroed",
                            "session tombstoned: refuses further use"),
                    Instant.now().toString(), Digests.hex(Digests.sha256(mp.evidence())));
            discardReceipt.complete(ReceiptSigner.sign(DiscardReceipt.KIND, r, keys.signingKey(), mp.platform(),
                    mp.evidence(), mp.collateral(), mp.nonce(), keys.publicKeys()));
        } else {
            discardReceipt.completeExceptionally(new SessionFailure(failure == null ? "session discarded" : failure));
        }
        keys.close();
        if (failure != null) {
            delivery.completeExceptionally(new SessionFailure(failure));
            LOG.warn("session {}: discarded after failure: {}", id(), failure);
        } else {
            LOG.info("session {}: discarded; model, data and keys released", id());
        }
        onDiscarded.run();
    }

    private void requireOpen() throws SessionFailure {
        if (state != State.OPEN) {
            throw new SessionFailure("session " + id() + " is " + state.name().toLowerCase() + " and accepts nothing more");
        }
    }
}
