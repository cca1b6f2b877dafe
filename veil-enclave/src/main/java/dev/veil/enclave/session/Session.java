package dev.veil.enclave.session;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.inference.BatchPipeline;
import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.NpzBatch;
import dev.veil.enclave.inference.OutputEncoder;
import dev.veil.enclave.inference.WorkerReserve;
import dev.veil.enclave.keys.InstanceKeyPairs;
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
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.EncryptedSpool;
import dev.veil.seal.SealException;
import dev.veil.seal.SealHeader;
import dev.veil.seal.Unsealer;
import dev.veil.seal.UnsealingInputStream;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.npz.Npz;
import dev.veil.tensor.stream.RowReader;
import dev.veil.tensor.stream.RowReaders;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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

    /** Where the encrypted output spool and the sealed results file live, under the enclave's work directory. */
    static final String SPOOL_DIR = "spool";
    /** Where ONNX Runtime's empty private directories are created, under the enclave's work directory. */
    static final String ORT_SCRATCH_DIR = "ort-scratch";
    /** Input bytes per ONNX Runtime call for a model with a free batch dimension (the pipeline holds three such batches). */
    static final long BATCH_INPUT_BYTES = 16L << 20;

    /**
     * What the data provider receives: the results sealed to it, in a file of ciphertext in the enclave's work
     * directory, and the signed receipt. Whoever sends it deletes the file.
     */
    public record Delivery(Path sealedResults, long size, SignedReceipt receipt) {
        public InputStream open() throws IOException {
            return new BufferedInputStream(Files.newInputStream(sealedResults), 1 << 16);
        }

        public void delete() {
            SealedResultsFile.deleteQuietly(sealedResults);
        }
    }

    /** The evidence a provider verified, kept to put in its receipt. */
    record Attested(dev.veil.attest.Platform platform, byte[] evidence, List<byte[]> collateral, byte[] nonce) {
    }

    /** The data provider's streamed upload, as the session controls it. */
    public interface Upload {
        /** The sealed bytes after the accepted header. */
        InputStream stream();

        /** Cuts the upload's input, so that a read blocked on it ends at once. */
        void cut();

        /** Reads the rest of the upload and drops it, so that a data provider still sending gets to read why the session failed. */
        void drain();
    }

    /** Ends a run that passes the contract's time limit, wherever it is (even blocked reading the upload). */
    private static final ScheduledExecutorService RUN_DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "veil-run-deadline");
        t.setDaemon(true);
        return t;
    });

    /** Told when the session is over; answers whether its contract was tombstoned. */
    interface Retirement {
        boolean retire(boolean keyWasReleased);
    }

    private final ContractVerifier.Verified contract;
    private final EnclaveConfig config;
    /** Where this session's inference worker is taken from when one was started ahead of need. */
    private final WorkerReserve workers;
    private final InstanceKeyPairs keys;
    private final KeyVault vault = new KeyVault();
    private byte[] sealedModel;
    private boolean datasetAnnounced;
    private final Map<Role, Attested> attested = new EnumMap<>(Role.class);
    private final CompletableFuture<SignedReceipt> discardReceipt = new CompletableFuture<>();
    /** What was actually released, in order; the discard receipt lists exactly this. */
    private final List<String> released = Collections.synchronizedList(new ArrayList<>());
    private final Retirement retirement;
    /**
     * How to cut each connection serving this session (joined by a hello, not yet done): cut when the session ends, so
     * that no connection outlives its session holding a connection slot.
     */
    private final List<Runnable> connections = new ArrayList<>();
    private State state = State.OPEN;
    /** Why the session ended, if it failed; told to a data provider still waiting to run. */
    private SessionFailure endFailure;
    private boolean anyKeyReleased;
    /** Set once the data provider's data is handed to the model: the model provider's outcome is "discarded" from then. */
    private volatile boolean dataGivenToModel;
    private ModelRunner activeRunner;
    private boolean shuttingDown;
    /** Set when the run passed the contract's time limit: whatever failed then, the session failed by timeout. */
    private volatile boolean expired;

    Session(ContractVerifier.Verified contract, EnclaveConfig config, Retirement retirement, WorkerReserve workers) {
        this.contract = contract;
        this.config = config;
        this.workers = workers;
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

    public CompletableFuture<SignedReceipt> discardReceipt() {
        return discardReceipt;
    }

    /**
     * A connection serves this session from now on: {@code cut} ends its reading when the session ends. Answers false,
     * and keeps nothing, if the session has ended already.
     */
    synchronized boolean attach(Runnable cut) {
        if (state == State.DISCARDED) {
            return false;
        }
        connections.add(cut);
        return true;
    }

    /** The connection is done with this session. */
    synchronized void detach(Runnable cut) {
        connections.remove(cut);
    }

    /**
     * What a connection cut by the session's end is told: the code alone (its detail may be the data provider's), and
     * only while the model has not had the data (from then the outcome says nothing of how the run went).
     */
    synchronized SessionFailure endNotice() {
        FailureCode code = endFailure != null && !dataGivenToModel ? endFailure.code() : FailureCode.SESSION_UNAVAILABLE;
        return new SessionFailure(code, "session " + id() + " ended (" + code + ") while this connection was still sending; "
                + "nothing more is read from it");
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
        notifyAll();
        LOG.info("session {}: {} verified this instance and released its key", id(), role);
    }

    /** Accepts the model provider's sealed model after checking its header against the released key, without decrypting. */
    public synchronized void depositModel(byte[] sealed) throws SessionFailure {
        if (state != State.OPEN) {
            throw notOpen();
        }
        if (sealedModel != null) {
            throw new SessionFailure(FailureCode.PEER_PROTOCOL_ERROR, "the " + Role.MODEL_PROVIDER + " has already uploaded its asset");
        }
        SealHeader h;
        try {
            h = SealHeader.decode(sealed);
        } catch (SealException e) {
            throw new SessionFailure(FailureCode.ASSET_INVALID, "sealed model: " + e.getMessage());
        }
        checkHeader(Role.MODEL_PROVIDER, h);
        if (!h.plaintextSha256Hex().equals(contract.contract().model().sha256())) {
            throw new SessionFailure(FailureCode.ASSET_INVALID, "model digest " + h.plaintextSha256Hex()
                    + " is not the contract's model " + contract.contract().model().sha256());
        }
        sealedModel = sealed;
        notifyAll();
        LOG.info("session {}: sealed model received ({} bytes)", id(), sealed.length);
    }

    /**
     * Checks the data provider's sealed dataset header against the released key and the contract, before any of the
     * dataset is read: the host learns at once that a wrong file was sent, and nothing is decrypted.
     */
    public synchronized void acceptDatasetHeader(SealHeader h) throws SessionFailure {
        if (state != State.OPEN) {
            throw notOpen();
        }
        if (datasetAnnounced) {
            throw new SessionFailure(FailureCode.PEER_PROTOCOL_ERROR, "the " + Role.DATA_PROVIDER + " has already uploaded its asset");
        }
        checkHeader(Role.DATA_PROVIDER, h);
        DatasetLimits.checkPin(contract.contract().limits(), h);
        datasetAnnounced = true;
    }

    private void checkHeader(Role role, SealHeader h) throws SessionFailure {
        if (!vault.holds(role)) {
            throw new SessionFailure(FailureCode.PEER_PROTOCOL_ERROR, "the " + role + " must release its key before uploading");
        }
        ContentType expected = role == Role.MODEL_PROVIDER ? ContentType.MODEL : ContentType.DATASET;
        if (h.contentType() != expected) {
            throw new SessionFailure(FailureCode.ASSET_INVALID, "the " + role + " uploaded a sealed " + h.contentType().label()
                    + ", expected a sealed " + expected.label());
        }
        if (!MessageDigest.isEqual(h.keyId(), vault.keyId(role))) {
            throw new SessionFailure(FailureCode.ASSET_INVALID, "the sealed " + expected.label() + " was sealed with key id "
                    + h.keyIdHex() + " but the key released has id " + Digests.hex(vault.keyId(role)));
        }
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

    /**
     * Runs the session on the data provider's dataset as it streams in ({@code afterHeader}: the sealed bytes after the
     * accepted header). Waits until both keys are released and the model is in, then decrypts, parses, infers and
     * encodes batch by batch, and returns the results sealed to the data provider. Whatever happens the session ends
     * discarded; a failure is thrown as a {@link SessionFailure} (its detail for the data provider only).
     */
    public Delivery runWithDataset(SealHeader dataHeader, Upload upload) throws SessionFailure {
        synchronized (this) {
            while (state == State.OPEN && (sealedModel == null || !vault.jointConsent())) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    discard(new SessionFailure(FailureCode.ENCLAVE_SHUTDOWN, "the enclave shut down"));
                }
            }
            if (state != State.OPEN) {
                throw endFailure != null ? endFailure : notOpen();
            }
            state = State.RUNNING;
        }
        // The contract's time limit holds from here, wherever the run is: a read blocked on a stalled upload is cut.
        long limitSeconds = contract.contract().limits().maxInferenceSeconds();
        Instant deadline = Instant.now().plusSeconds(limitSeconds);
        ScheduledFuture<?> watchdog = RUN_DEADLINES.schedule(() -> expire(upload), limitSeconds, TimeUnit.SECONDS);
        Delivery d = null;
        SessionFailure failure = null;
        Throwable thrown = null;
        try {
            d = infer(dataHeader, upload, deadline);
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
        watchdog.cancel(false);
        if (failure != null && expired) {
            failure = new SessionFailure(FailureCode.TIMEOUT, "the session passed the contract's time limit, limits.max_inference_seconds = "
                    + limitSeconds + " s, counted from the start of the dataset's stream");
        }
        synchronized (this) {
            if (failure != null && shuttingDown && failure.code() == FailureCode.TIMEOUT) {
                failure = new SessionFailure(FailureCode.ENCLAVE_SHUTDOWN, "the enclave shut down during the model run");
            }
        }
        if (failure != null && !expired) {
            // The model provider's receipt waits for the upload's end as it would have on success: its timing must not
            // tell a colluding host at which batch the run stopped.
            upload.drain();
        }
        finish(failure);
        if (thrown instanceof Error error && !(error instanceof OutOfMemoryError)) {
            throw error;   // discarded first; a JVM error other than running out of memory is not ours to swallow
        }
        if (failure != null) {
            throw failure;
        }
        return d;
    }

    /** The run passed the contract's time limit: ONNX Runtime is told to stop and the upload is cut. */
    private void expire(Upload upload) {
        expired = true;
        synchronized (this) {
            if (activeRunner != null) {
                activeRunner.terminate();
            }
        }
        upload.cut();
    }

    private Delivery infer(SealHeader dataHeader, Upload upload, Instant deadline) throws SessionFailure {
        long t0 = System.nanoTime();
        SessionLimits limits = contract.contract().limits();
        Unsealer.Opened model = null;
        EncryptedSpool spool = null;
        ModelLoad load = null;
        boolean datasetOpened = false;
        try {
            PhaseTimer phases = new PhaseTimer();
            model = openModel();
            phases.mark("unseal model");
            // ONNX Runtime loads the model in the worker while the dataset is decrypted and read ahead here; the model gets
            // rows only once it has loaded. The contract's time limit bounds loading too: a model can compute while ONNX
            // Runtime loads it.
            byte[] plaintextModel = model.plaintext();
            ModelLoad loading = ModelLoad.start(() -> new ModelRunner(plaintextModel, contract.contract().model().signature(),
                    config.intraOpThreads(), config.workDir().resolve(ORT_SCRATCH_DIR), Duration.between(Instant.now(), deadline),
                    workers), id());
            load = loading;
            BatchPipeline.Outcome outcome;
            try {
                spool = EncryptedSpool.create(config.workDir().resolve(SPOOL_DIR));
                try (UnsealingInputStream plain = UnsealingInputStream.open(dataHeader, upload.stream(), vault.use(Role.DATA_PROVIDER),
                        Unsealer.DigestCheck.RECOMPUTE);
                     ReadAhead decrypted = new ReadAhead(plain, upload::cut)) {
                    // An .npz (zip magic) feeds a model of named inputs; anything else is rows of CSV or .npy.
                    PushbackInputStream dataset = new PushbackInputStream(decrypted, 4);
                    byte[] magic = dataset.readNBytes(4);
                    dataset.unread(magic);
                    if (Npz.looksLikeNpz(magic)) {
                        ModelRunner runner = loaded(loading, plaintextModel, phases);
                        datasetOpened = true;
                        dataGivenToModel = true;
                        outcome = NpzBatch.run(dataset, () -> requireVerifiedEnd(decrypted, plain), runner, contract.contract().output(),
                                spool.writer(), new NpzBatch.Limits(config.workDir().resolve(SPOOL_DIR), config.batchSize(),
                                        BATCH_INPUT_BYTES, limits.maxRows(), config.maxDatasetBytes(), Duration.between(Instant.now(), deadline)));
                    } else {
                        try (RowReader reader = RowReaders.open(dataset)) {
                            datasetOpened = true;
                            if (reader.rowSize() > dataHeader.plaintextSize()) {
                                throw new SessionFailure(FailureCode.DATASET_INVALID, "the dataset declares rows of " + reader.rowSize()
                                        + " values but holds only " + dataHeader.plaintextSize() + " bytes");
                            }
                            int batchRows = ModelRunner.batchRows(contract.contract().model().signature(), config.batchSize(),
                                    BATCH_INPUT_BYTES, reader.rowSize());
                            OutputEncoder encoder = OutputEncoder.forPolicy(contract.contract().output(), spool.writer(), batchRows);
                            outcome = BatchPipeline.run(reader, () -> requireVerifiedEnd(decrypted, plain), () -> {
                                ModelRunner runner = loaded(loading, plaintextModel, phases);
                                // Veil's own check of the rows against the model's declared input, before the model sees any data.
                                runner.checkAcceptsRows(reader.rowShape());
                                dataGivenToModel = true;
                                return runner;
                            }, encoder, batchRows, limits.maxRows(), Duration.between(Instant.now(), deadline), upload::cut);
                        }
                    }
                }
                spool.finish();
                phases.mark("stream");
            } catch (InferenceException | TensorFormatException | IOException | SessionFailure e) {
                // The model's load comes first, as when it loaded before the dataset was read: its failure is the session's.
                InferenceException loadFailure = loading.failure();
                throw readFailure(loadFailure != null ? loadFailure : e);
            } finally {
                synchronized (this) {
                    activeRunner = null;
                }
                // From the moment the model has the data, the items are the same whatever happened (success, failure,
                // timeout): the list must not tell the model provider how the run went.
                if (dataGivenToModel) {
                    released.add("input batch buffers zeroed");
                    released.add("model output tensors zeroed");
                }
                ModelRunner runner = loading.settled();
                if (runner != null && runner.closeSession()) {
                    released.add("onnx runtime session closed");
                }
            }
            return deliver(outcome, spool, dataHeader, phases, t0);
        } finally {
            if (spool != null) {
                try {
                    spool.close();
                    released.add("encrypted output spool deleted and its key zeroed");
                } catch (IOException e) {
                    released.add("encrypted output spool's key zeroed (its file could not be deleted)");
                }
            }
            if (model != null) {
                Arrays.fill(model.plaintext(), (byte) 0);
                released.add("model plaintext buffer zeroed");
            }
            // Only once the model loaded, as when it loaded before the dataset was opened: whether the dataset's first row
            // was read before a load failed is the reader's timing and the data's format, not the model provider's to learn.
            if (datasetOpened && load != null && load.settled() != null) {
                released.add("dataset decryption and parser buffers zeroed");
            }
        }
    }

    /**
     * The loaded model, once its load has ended: the session can stop it from now on, and the model's plaintext held
     * here is wiped (ONNX Runtime holds its own copy).
     */
    private ModelRunner loaded(ModelLoad load, byte[] plaintextModel, PhaseTimer phases) throws InferenceException {
        ModelRunner runner = load.await();
        synchronized (this) {
            activeRunner = runner;
            if (shuttingDown) {
                runner.terminate();
            }
        }
        Arrays.fill(plaintextModel, (byte) 0);
        phases.mark("load");
        return runner;
    }

    /** What the data provider is told when the run failed on the way: Veil's own words, by cause. */
    private static SessionFailure readFailure(Exception e) {
        if (e instanceof SessionFailure f) {
            return f;
        }
        if (e instanceof InferenceException ie) {
            return new SessionFailure(ie.code(), ie.getMessage());
        }
        if (e instanceof TensorFormatException) {
            return new SessionFailure(FailureCode.DATASET_INVALID, "dataset: " + e.getMessage());
        }
        if (e instanceof UnsealingInputStream.Refused) {
            return new SessionFailure(FailureCode.DATASET_INVALID, "sealed dataset: " + e.getMessage());
        }
        if (e instanceof EncryptedSpool.WriteFailed) {
            return new SessionFailure(FailureCode.INTERNAL_ERROR, "the enclave could not write its encrypted output spool");
        }
        if (e instanceof MinimumUploadRate.TooSlow) {
            return new SessionFailure(FailureCode.PARTY_TIMEOUT, e.getMessage());
        }
        if (e instanceof FrameChannel.DataFrameInputStream.Malformed) {
            return new SessionFailure(FailureCode.PEER_PROTOCOL_ERROR, "the data provider's upload: " + e.getMessage());
        }
        return new SessionFailure(FailureCode.PEER_PROTOCOL_ERROR, "the data provider's upload was cut off");
    }

    /**
     * The dataset's sealed stream must end right after its last row, with every segment and its digest verified: the
     * read-ahead reports the end only once the sealed stream ended cleanly, which it does only verified.
     */
    private static void requireVerifiedEnd(ReadAhead decrypted, UnsealingInputStream plain) throws IOException, TensorFormatException {
        if (decrypted.read() >= 0 || !plain.verified()) {
            throw new TensorFormatException("the dataset holds bytes after its last row");
        }
    }

    /**
     * Seals the output to the data provider into a file of ciphertext (read from the spool twice: to hash, then to
     * seal), and signs its receipt, whose digests are salted commitments.
     */
    private Delivery deliver(BatchPipeline.Outcome outcome, EncryptedSpool spool, SealHeader dataHeader, PhaseTimer phases, long t0)
            throws SessionFailure {
        OutputEncoder.Encoded out = outcome.output();
        Path file = null;
        try {
            file = SealedResultsFile.create(config.workDir().resolve(SPOOL_DIR));
            SealedResults.StreamSealed sealed;
            try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                sealed = SealedResults.seal(() -> out.output(spool.open()),
                        out.rows(), out.length(), out.paddedLength(), contract.contract().dataProvider(), contract.hash(), o);
            }
            phases.mark("seal");
            Attested dp = attested.get(Role.DATA_PROVIDER);
            ResultReceipt receipt = new ResultReceipt(contract.hashHex(), contract.contract().model().sha256(),
                    ResultCommitments.input(sealed.commitmentSalt(), dataHeader.plaintextSha256()), sealed.outputCommitment(),
                    contract.contract().output().kind(), Digests.hex(Digests.sha256(dp.evidence())), Instant.now().toString());
            // No row count: a hostile model can make the output's length a cell of the data.
            LOG.info("session {}: inference done in {} ms ({})", id(), (System.nanoTime() - t0) / 1_000_000, phases);
            Delivery d = new Delivery(file, Files.size(file), ReceiptSigner.sign(ResultReceipt.KIND, receipt, keys.signingKey(),
                    dp.platform(), dp.evidence(), dp.collateral(), dp.nonce(), keys.publicKeys()));
            file = null;
            return d;
        } catch (ProtocolException | IOException e) {
            throw new SessionFailure(FailureCode.INTERNAL_ERROR, "results could not be sealed to the data provider");
        } finally {
            SealedResultsFile.deleteQuietly(file);
        }
    }

    private synchronized void wipeSealedModel() {
        if (sealedModel != null) {
            Arrays.fill(sealedModel, (byte) 0);
            sealedModel = null;
            released.add("sealed model upload zeroed");
        }
    }

    private Unsealer.Opened openModel() throws SessionFailure {
        byte[] sealed;
        synchronized (this) {
            sealed = sealedModel;
        }
        try {
            Unsealer.Opened model = Unsealer.unsealBytes(sealed, vault.use(Role.MODEL_PROVIDER));
            if (!model.header().plaintextSha256Hex().equals(contract.contract().model().sha256())) {
                Arrays.fill(model.plaintext(), (byte) 0);
                throw new SessionFailure(FailureCode.ASSET_INVALID, "model digest " + model.header().plaintextSha256Hex()
                        + " is not the contract's " + contract.contract().model().sha256());
            }
            return model;
        } catch (SealException e) {
            throw new SessionFailure(FailureCode.ASSET_INVALID, "sealed " + Role.MODEL_PROVIDER + " asset: " + e.getMessage());
        } finally {
            wipeSealedModel();
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
     * Upload deadline: both keys were released a party timeout ago and still the model is not in or the dataset's
     * stream has not started (a host can trickle an upload a byte at a time under the per-read idle timeout). The
     * session is discarded as party_timeout. Once the run started, the contract's time limit bounds it.
     */
    void discardIfUploadsIncomplete() {
        synchronized (this) {
            if (state != State.OPEN) {
                return;
            }
            state = State.RUNNING;   // claimed by this call; finish() ends it
        }
        finish(new SessionFailure(FailureCode.PARTY_TIMEOUT, "the model's upload did not complete, or the dataset's did not "
                + "start, within " + config.partyTimeout().toSeconds() + " s of both keys being released"));
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
     * Ends the session: cuts the reading of the connections still serving it, wipes keys and sealed buffers, tombstones
     * the contract if a key was released, signs the discard receipt for the model provider listing what was actually
     * done, and tells anyone still waiting why, if it failed.
     */
    private void finish(SessionFailure failure) {
        List<Runnable> serving;
        synchronized (this) {
            if (state == State.DISCARDED) {
                return;
            }
            state = State.DISCARDED;
            endFailure = failure;
            serving = List.copyOf(connections);
            connections.clear();
            notifyAll();
        }
        // A connection still reading for this session (a trickled upload, a key release not yet sent) stops now and
        // gives its slot back; one that is only sending (the results, the discard receipt) is not hurt by it.
        serving.forEach(Runnable::run);
        if (vault.holdsAny()) {
            released.add("asset keys zeroed");
        }
        vault.close();
        wipeSealedModel();
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
