package dev.veil.enclave.serving;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.receipt.ReceiptSigner;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.serving.OpenedRequest;
import dev.veil.protocol.serving.ReplayGuard;
import dev.veil.protocol.serving.RequestRefused;
import dev.veil.protocol.serving.SealedAnswer;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.ServingGateway;
import dev.veil.protocol.servinghttp.AttestChallenge;
import dev.veil.protocol.servinghttp.LogReceipt;
import dev.veil.protocol.servinghttp.ProvisionRelease;
import dev.veil.protocol.servinghttp.RetireRequest;
import dev.veil.protocol.servinghttp.ServingDiscardReceipt;
import dev.veil.protocol.servinghttp.UploadAuthorization;
import dev.veil.protocol.translog.ConsistencyProof;
import dev.veil.protocol.translog.LeafCommitments;
import dev.veil.protocol.translog.LeafSalts;
import dev.veil.protocol.translog.LogInclusion;
import dev.veil.protocol.translog.SignedTreeHead;
import dev.veil.protocol.translog.TransparencyLog;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.AssetKey;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.npz.Npz;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One serving instance: one serving contract, one set of instance keys made at start, at most one model. It moves
 * EMPTY → LOADING → SERVING → RETIRED and never back: a retired (or restarted) instance has no model, and a model
 * provider provisions a new instance, under new keys. The model is retired by the model provider's signed request or
 * by the contract's expiry; either way ONNX Runtime's session is closed first and the discard receipt signed after.
 */
public final class ServingInstance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServingInstance.class);
    /** A provisioning release must follow its attestation within this. */
    static final Duration CHALLENGE_LIFETIME = Duration.ofMinutes(5);
    /** Requests waiting for a batch; more are answered 503. */
    static final int BATCH_QUEUE = 1024;
    /** Identities a contract open to any data provider keeps budgets for. */
    static final int MAX_DATA_PROVIDERS = 100_000;
    /** How long a request may wait for its batch beyond the contract's run-time limit. */
    static final Duration QUEUE_MARGIN = Duration.ofSeconds(30);

    /**
     * Room made after a sealed answer's output for its log receipt (an inclusion proof, a signed head, salts: about 2 KiB
     * for a log of a million answers); a larger receipt costs a copy of the answer.
     */
    static final int RECEIPT_ROOM = 8 * 1024;

    /** Where the instance is in its life. */
    public enum State { EMPTY, LOADING, SERVING, RETIRED }

    private final ServingContractVerifier.Verified contract;
    private final EnclaveConfig config;
    private final EvidenceSource evidenceSource;
    private final ServingMetrics metrics;
    private final InstanceKeyPairs secrets;
    /** Every time this instance decides by: never back, and by default not the host's wall clock (ProcessClock). */
    private final java.time.Clock clock;
    private final Challenges challenges;
    /** Requests using the model hold it shared; retiring takes it alone, so it waits for the runs under way. */
    private final ReentrantReadWriteLock modelLock = new ReentrantReadWriteLock();
    private final ScheduledExecutorService expiry = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "veil-serving-expiry");
        t.setDaemon(true);
        return t;
    });
    /** Seal answers' outputs while their request threads hash them for the log ({@link #answer}). */
    private final ExecutorService sealers = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
        Thread t = new Thread(r, "veil-serving-sealer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong requestsServed = new AtomicLong();
    private final AtomicLong rowsServed = new AtomicLong();
    private final TransparencyLog log;
    private final ServingGateway gateway;
    private final Budgets budgets;
    private final long maxAnswerBytes;
    private State state = State.EMPTY;
    private ModelRunner runner;
    private Coalescer<TensorBatching.Request, TensorBatching.Ran> coalescer;
    private Challenges.Issued provisionedWith;
    private SignedReceipt discardReceipt;

    public ServingInstance(ServingContractVerifier.Verified contract, EnclaveConfig config, EvidenceSource evidenceSource,
                           ServingMetrics metrics) {
        this(contract, config, evidenceSource, metrics, new ProcessClock(), ServerLimits.defaults().maxAnswerBytes());
    }

    /**
     * As above, deciding by {@code clock} (read as a clock that never goes back) instead of the process's own, and
     * answering at most {@code maxAnswerBytes} of outputs ({@link ServerLimits#maxAnswerBytes()}) per request.
     */
    public ServingInstance(ServingContractVerifier.Verified contract, EnclaveConfig config, EvidenceSource evidenceSource,
                           ServingMetrics metrics, java.time.Clock clock, long maxAnswerBytes) {
        this.maxAnswerBytes = maxAnswerBytes;
        this.clock = NeverBackClock.of(clock);
        this.challenges = new Challenges(CHALLENGE_LIFETIME, this.clock);
        if (contract.contract().enclave().referenceValues().platform() != evidenceSource.platform()) {
            throw new IllegalArgumentException("this enclave runs on platform " + evidenceSource.platform()
                    + " but the serving contract requires " + contract.contract().enclave().referenceValues().platform());
        }
        this.contract = contract;
        this.config = config;
        this.evidenceSource = evidenceSource;
        this.metrics = metrics;
        String kind = contract.contract().output().kind();
        if (!OutputPolicy.NPZ.equals(kind) && !OutputPolicy.SCORES.equals(kind)) {
            throw new IllegalArgumentException("the serving contract's output policy is '" + kind
                    + "'; a serving enclave answers 'npz' (every output) or 'scores' (the first output)");
        }
        this.secrets = new InstanceKeyPairs(contract.contract().keyWrap());
        this.log = new TransparencyLog(contract.hash(), secrets.signingKey(), this.clock);
        this.gateway = new ServingGateway(contract, secrets.publicKeys(), secrets.keyWrap(),
                ReplayGuard.forAccess(contract.contract().dataProviders()));
        this.budgets = new Budgets(contract.contract().budget().perInstance(contract.contract().instanceLimit()),
                contract.contract().instanceLimit(), MAX_DATA_PROVIDERS);
        long untilExpiry = Math.max(0, Duration.between(this.clock.instant(), contract.expiresAt()).toMillis());
        expiry.schedule(this::expire, untilExpiry, TimeUnit.MILLISECONDS);
    }

    public ServingContractVerifier.Verified contract() {
        return contract;
    }

    public InstanceKeys instanceKeys() {
        return secrets.publicKeys();
    }

    public synchronized State state() {
        return state;
    }

    /**
     * Evidence for the client's nonce, bound to H(sc) and the instance keys, with a nonce of the enclave's: a MAC over
     * what was handed out ({@link Challenges}), so nothing is kept per attestation.
     */
    public Messages.EvidenceOffer attest(AttestChallenge challenge) throws ServingFailure, IOException {
        requireContract(challenge.contractHash());
        requireUnexpired();
        EvidenceSource.Collected collected = evidenceSource.collect(
                EvidenceBinding.reportData(challenge.nonce(), contract.hash(), secrets.publicKeys()));
        byte[] enclaveNonce = challenges.issue(challenge.nonce(), evidenceSource.platform(), collected.evidence(), collected.collateral());
        metrics.attestation();
        return new Messages.EvidenceOffer(evidenceSource.platform(), collected.evidence(), collected.collateral(),
                secrets.publicKeys(), enclaveNonce);
    }

    /**
     * The model provider's release, then its sealed model, streamed: checked against the release and the contract
     * before anything is decrypted, opened in memory, loaded into ONNX Runtime (no files: external data refused, the
     * signature checked), its plaintext zeroed.
     */
    public void provision(ProvisionRelease release, InputStream sealedModel) throws ServingFailure, IOException {
        requireUnexpired();
        ServingFailure refused = refusesModel();
        if (refused != null) {
            throw refused;
        }
        // The release's MAC and signature before the instance changes state: a stranger's junk release never holds it
        // LOADING, where the model provider's (or the broker's) own release would be refused.
        Challenges.Issued issued;
        KeyReleaseTranscript transcript;
        try {
            issued = challenges.check(release.enclaveNonce(), release.providerNonce(), evidenceSource.platform(),
                    release.evidence(), release.collateral());
            transcript = new KeyReleaseTranscript(contract.hash(), Role.MODEL_PROVIDER, release.providerNonce(),
                    release.enclaveNonce(), Digests.sha256(issued.evidence()), secrets.publicKeys());
            if (!contract.contract().modelProvider().verify(transcript.signingMessage(release.enc(), release.wrappedKey()),
                    release.signature())) {
                throw new ServingFailure(403, FailureCode.CONTRACT_REFUSED, "the release is not signed by the serving contract's "
                        + "model provider " + contract.contract().modelProvider().fingerprint() + " for this attestation");
            }
        } catch (ProtocolException e) {
            throw new ServingFailure(403, FailureCode.CONTRACT_REFUSED, e.getMessage());
        }
        synchronized (this) {
            refused = refusesModel();
            if (refused != null) {
                throw refused;
            }
            state = State.LOADING;
        }
        boolean loaded = false;
        try {
            challenges.take(issued);   // signed by the model provider: this attestation answers no other release
            try (AssetKey key = AssetKeyWrap.unwrap(secrets.keyWrap(), transcript.hpkeInfo(), transcript.context(),
                    new Hpke.Sealed(release.enc(), release.wrappedKey()), 0).key()) {
                ModelRunner loadedRunner = SealedModelLoader.load(key, sealedModel, contract.contract().model(), config);
                synchronized (this) {
                    if (state != State.LOADING) {   // the contract expired while the model loaded
                        loadedRunner.close();
                        throw new ServingFailure(410, FailureCode.CONTRACT_REFUSED, "the serving contract expired while the model loaded");
                    }
                    runner = loadedRunner;
                    coalescer = new Coalescer<>(requests -> TensorBatching.runTimed(loadedRunner, requests, Duration.ofSeconds(
                                    contract.contract().limits().maxInferenceSeconds()), maxAnswerBytes), TensorBatching::describe,
                            TensorBatching.batchable(loadedRunner.signature()), config.batchSize(), Coalescer.MAX_WAIT_LIMIT,
                            BATCH_QUEUE, metrics::batch);
                    provisionedWith = issued;
                    state = State.SERVING;
                }
                loaded = true;
                LOG.info("serving {}: model provisioned and loaded", id());
            }
        } catch (ProtocolException e) {
            throw new ServingFailure(403, FailureCode.CONTRACT_REFUSED, e.getMessage());
        } finally {
            if (!loaded) {
                synchronized (this) {
                    if (state == State.LOADING) {
                        state = State.EMPTY;
                    }
                }
            }
        }
    }

    /**
     * Null when an upload carrying {@code authorizationHeader} may start now; else the refusal, answered before the body
     * is read. Only the contract's model provider can authorize one ({@link UploadAuthorization}: its signature over
     * an enclave nonce this instance handed out and no release took yet), so a stranger cannot hold the one upload slot.
     */
    ServingFailure refusesUpload(String authorizationHeader) {
        ServingFailure refused = refusesModel();
        if (refused != null) {
            return refused;
        }
        try {
            UploadAuthorization a = UploadAuthorization.parse(authorizationHeader);
            if (!contract.contract().modelProvider().verify(
                    UploadAuthorization.signingMessage(contract.hash(), secrets.publicKeys(), a.enclaveNonce()), a.signature())) {
                return new ServingFailure(403, FailureCode.CONTRACT_REFUSED, "the upload authorization is not signed by the serving "
                        + "contract's model provider " + contract.contract().modelProvider().fingerprint() + " for this instance");
            }
            challenges.checkUploadable(a.enclaveNonce());
            return null;
        } catch (ProtocolException e) {
            return new ServingFailure(403, FailureCode.CONTRACT_REFUSED, e.getMessage());
        } catch (ServingFailure e) {
            return e;
        }
    }

    /** Null when this instance takes a model now (it is EMPTY); else the refusal to answer a provisioning with. */
    synchronized ServingFailure refusesModel() {
        if (state == State.EMPTY) {
            return null;
        }
        if (state == State.LOADING) {
            return new ServingFailure(Refusal.OVERLOADED, "this instance is loading a model provider's model; if that fails, "
                    + "it takes another: retry shortly");
        }
        return new ServingFailure(409, FailureCode.SESSION_UNAVAILABLE, "this instance is " + state.name().toLowerCase()
                + " and takes no model; a model provider provisions an instance once (restart it for a new one)");
    }

    /** The model provider's signed retire: the model is dropped, then the discard receipt is signed and returned. */
    public SignedReceipt retire(RetireRequest request) throws ServingFailure {
        requireContract(request.contractHash());
        boolean signed;
        try {
            signed = contract.contract().modelProvider().verify(
                    RetireRequest.signingMessage(contract.hash(), secrets.publicKeys(), request.nonce()), request.signature());
        } catch (ProtocolException e) {
            signed = false;
        }
        if (!signed) {
            throw new ServingFailure(403, FailureCode.CONTRACT_REFUSED, "the retire request is not signed by the serving "
                    + "contract's model provider " + contract.contract().modelProvider().fingerprint() + " for this instance");
        }
        SignedReceipt r = discard(Digests.hex(request.nonce()));
        if (r == null) {
            throw new ServingFailure(409, FailureCode.SESSION_UNAVAILABLE, "this instance holds no model to retire");
        }
        return r;
    }

    /** The contract expired: the model is dropped as by a retire, the receipt kept for the model provider's retire. */
    private void expire() {
        synchronized (this) {
            if (state == State.EMPTY || state == State.LOADING) {   // a model still loading is refused when it is in
                state = State.RETIRED;
                secrets.close();
                LOG.info("serving {}: the serving contract expired before any model was provisioned", id());
                return;
            }
        }
        discard(null);
    }

    /** Drops the model (waiting for runs under way), closes ONNX Runtime's session, then signs; null if never provisioned. */
    private SignedReceipt discard(String retireNonceHex) {
        modelLock.writeLock().lock();
        try {
            ModelRunner dropped;
            Coalescer<TensorBatching.Request, TensorBatching.Ran> batches;
            synchronized (this) {
                if (state == State.RETIRED) {
                    return discardReceipt;
                }
                if (state != State.SERVING) {
                    return null;
                }
                state = State.RETIRED;
                dropped = runner;
                batches = coalescer;
                runner = null;
                coalescer = null;
            }
            batches.close();
            List<String> released = new ArrayList<>();
            released.add("model plaintext buffer zeroed once loaded");
            if (dropped.closeSession()) {
                released.add("onnx runtime session closed");
            }
            dropped.close();
            secrets.close();
            released.add("instance key-wrap private key zeroed: no request or key opens here any more");
            ServingDiscardReceipt payload = new ServingDiscardReceipt(contract.hashHex(), contract.contract().model().sha256(),
                    retireNonceHex, requestsServed.get(), rowsServed.get(), log.head(), released, clock.instant().toString(),
                    Digests.hex(Digests.sha256(provisionedWith.evidence())));
            SignedReceipt r = ReceiptSigner.sign(ServingDiscardReceipt.KIND, payload, secrets.signingKey(), provisionedWith.platform(),
                    provisionedWith.evidence(), provisionedWith.collateral(), provisionedWith.providerNonce(), secrets.publicKeys());
            synchronized (this) {
                discardReceipt = r;
            }
            LOG.info("serving {}: model retired after {} requests", id(), requestsServed.get());
            return r;
        } finally {
            modelLock.writeLock().unlock();
        }
    }

    /**
     * One encapsulated request: opened and admitted by the gateway (this instance's key, this contract, a data
     * provider the contract lists, its signature, the rows per request, the replay guard), held to the data
     * provider's budgets, run (coalesced with others of its shape), logged, and answered sealed to the request's own
     * context with its log receipt. Every refusal after the request opened is sealed to its data provider too; what
     * goes in the clear (status, metrics, logs) is the fixed code alone.
     */
    public InferAnswer infer(byte[] encapsulated) throws ServingFailure {
        Stages stages = new Stages(metrics);
        modelLock.readLock().lock();
        try {
            Coalescer<TensorBatching.Request, TensorBatching.Ran> batches;
            synchronized (this) {
                if (state != State.SERVING) {
                    // 503 with Retry-After, as any replica that cannot take the request now: a client passes it over
                    throw new ServingFailure(503, FailureCode.SESSION_UNAVAILABLE, "this instance holds no model (it is "
                            + state.name().toLowerCase() + "): the model provider must provision it");
                }
                batches = coalescer;
            }
            Instant now = clock.instant();
            OpenedRequest opened;
            try {
                ServingGateway.Decapsulated decapsulated = gateway.decapsulate(encapsulated);
                stages.done(InferStage.OPEN_REQUEST);
                opened = gateway.admit(decapsulated, now);
                stages.done(InferStage.CHECK_REQUEST);
            } catch (RequestRefused e) {
                if (e.sealedResponse().isEmpty()) {
                    throw new ServingFailure(statusOf(e.code()), e.code(), e.getMessage());   // counted by the server
                }
                metrics.failure(e.code());
                return new InferAnswer(statusOf(e.code()), e.sealedResponse().get());
            }
            return answer(opened, batches, now, stages);
        } finally {
            modelLock.readLock().unlock();
        }
    }

    /**
     * Each step's time of one request, recorded as it ends ({@link InferStage}), and the time outside the model (every
     * step but the batch wait and the run).
     */
    private static final class Stages {
        private final ServingMetrics metrics;
        private final long arrived = System.nanoTime();
        private long last = arrived;
        private long inModel;

        Stages(ServingMetrics metrics) {
            this.metrics = metrics;
        }

        void done(InferStage stage) {
            doneAt(stage, System.nanoTime());
        }

        void doneAt(InferStage stage, long at) {
            long took = Math.max(0, at - last);
            metrics.inferStage(stage, took);
            if (stage == InferStage.WAIT_FOR_BATCH || stage == InferStage.RUN_MODEL) {
                inModel += took;
            }
            last = Math.max(last, at);
        }

        long outsideModel() {
            return System.nanoTime() - arrived - inModel;
        }
    }

    private InferAnswer answer(OpenedRequest opened, Coalescer<TensorBatching.Request, TensorBatching.Ran> batches, Instant now,
                               Stages stages) throws ServingFailure {
        long rows = opened.request().rows();
        String who = opened.dataProvider().fingerprint();
        byte[] inputsNpz = opened.inputs();
        NamedTensors inputs = null;
        NamedTensors outputs = null;
        boolean reserved = false;
        try {
            try {
                inputs = Npz.read(inputsNpz, dev.veil.protocol.servinghttp.RequestBounds.MAX_INPUT_BYTES);
            } catch (TensorFormatException e) {
                return refused(opened, FailureCode.DATASET_INVALID, "inputs: " + e.getMessage());
            }
            if (inputs.size() == 0) {
                return refused(opened, FailureCode.DATASET_INVALID, "the request's .npz holds no input");
            }
            for (Tensor t : inputs.tensors()) {
                if (t.rank() == 0 || t.dim(0) != rows) {
                    return refused(opened, FailureCode.DATASET_INVALID, "the request declares " + rows + " rows but input '"
                            + Tensor.printable(t.name()) + "' has shape " + Arrays.toString(t.shape())
                            + ": every input's first dimension is the request's rows");
                }
            }
            stages.done(InferStage.READ_INPUTS);
            try {
                budgets.reserve(who, rows, now);
                reserved = true;
            } catch (Budgets.Exhausted e) {
                return refused(opened, FailureCode.LIMIT_EXCEEDED, e.getMessage());
            }
            stages.done(InferStage.CHARGE_BUDGET);
            CompletableFuture<TensorBatching.Ran> result;
            try {
                result = batches.submit(new TensorBatching.Request(who, inputs));
            } catch (Coalescer.Full e) {
                throw new ServingFailure(Refusal.OVERLOADED, "the batch queue is full; retry shortly");
            }
            TensorBatching.Ran ran;
            try {
                ran = result.get(contract.contract().limits().maxInferenceSeconds() + QUEUE_MARGIN.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof InferenceException ie) {
                    reserved = false;   // the model ran on these rows: they count, as an answer's do
                    stages.done(InferStage.WAIT_FOR_BATCH);
                    stages.done(InferStage.RUN_MODEL);
                    stages.done(InferStage.RESUME_AFTER_RUN);
                    // limit_exceeded from a run: its outputs passed the answer cap before they were held (TensorBatching)
                    return modelFailed(opened, ie.code(), ie.code() == FailureCode.LIMIT_EXCEEDED ? oversized() : ie.getMessage(),
                            inputsNpz, rows, stages);
                }
                LOG.error("serving {}: internal failure running a request ({})", id(), e.getCause().getClass().getName());
                return refused(opened, FailureCode.INTERNAL_ERROR, "the enclave failed while running the model");
            } catch (TimeoutException e) {
                result.cancel(false);   // out of the queue, never run: its rows are given back below
                return refused(opened, FailureCode.TIMEOUT, "the request was not answered within the serving contract's limit");
            } catch (InterruptedException e) {
                result.cancel(false);
                Thread.currentThread().interrupt();
                return refused(opened, FailureCode.ENCLAVE_SHUTDOWN, "the enclave is shutting down");
            }
            outputs = ran.outputs();
            stages.doneAt(InferStage.WAIT_FOR_BATCH, ran.startedNanos());
            stages.doneAt(InferStage.RUN_MODEL, ran.endedNanos());
            stages.done(InferStage.RESUME_AFTER_RUN);
            NamedTensors answered = OutputPolicy.NPZ.equals(contract.contract().output().kind()) ? outputs
                    : new NamedTensors(java.util.List.of(outputs.tensors().get(0)));
            if (Npz.length(answered) > maxAnswerBytes) {
                // a size the model chose, which it can make depend on the data: only the data provider learns of it
                reserved = false;   // the model ran on these rows: they count
                return modelFailed(opened, FailureCode.LIMIT_EXCEEDED, oversized(), inputsNpz, rows, stages);
            }
            byte[] outputsNpz = Npz.write(answered);
            stages.done(InferStage.ENCODE_ANSWER);
            // The output is sealed on another thread while it is hashed for the log here: the two take about as long,
            // and the receipt, sealed last, needs the hash.
            OpenedRequest.AnswerSealing sealing = opened.beginOk(outputsNpz, RECEIPT_ROOM);
            FutureTask<Void> sealOutput = new FutureTask<>(sealing::sealOutput, null);
            try {
                sealers.execute(sealOutput);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // the instance is closing: sealed on this thread below
            }
            LeafSalts salts = LeafSalts.random();
            LogInclusion inclusion = log.append(LeafCommitments.commit(salts, Digests.sha256(inputsNpz), Digests.sha256(outputsNpz),
                    opened.dataProvider()));
            reserved = false;   // answered: the rows count
            requestsServed.incrementAndGet();
            rowsServed.addAndGet(rows);
            byte[] receipt = Json.canonical(new LogReceipt(inclusion, salts));
            stages.done(InferStage.COMMIT_AND_LOG);
            sealOutput.run();   // here, if no sealer thread has taken it yet (a no-op if one has)
            joinUninterruptibly(sealOutput);
            SealedAnswer sealed = sealing.finish(receipt);
            Arrays.fill(outputsNpz, (byte) 0);
            stages.done(InferStage.SEAL_ANSWER);
            metrics.inferOutsideModel(stages.outsideModel());
            return new InferAnswer(200, sealed.buffer(), sealed.length());
        } finally {
            if (reserved) {
                budgets.refund(who, rows, now);
            }
            Arrays.fill(inputsNpz, (byte) 0);
            if (inputs != null) {
                inputs.wipe();
            }
            if (outputs != null) {
                outputs.wipe();
            }
        }
    }

    /** Waits for {@code task} (sealing an answer's output: CPU work that ends), keeping an interrupt for after. */
    private static void joinUninterruptibly(FutureTask<Void> task) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    task.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw new IllegalStateException("sealing the answer failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The model's run failed on this data provider's inputs, or made more outputs than the server answers
     * ({@link ServerLimits#maxAnswerBytes()}) — either of which a hostile model can make depend on the values (a reshape
     * or an expand to a cell's value). Only the data provider may learn that: outside the enclave the request looks
     * answered — HTTP 200 with a sealed body, counted in every stage, as served and in the log (a leaf committing to
     * the inputs and to the failure's code), no failure counted by reason — and the code and detail are sealed to the
     * data provider alone. What still differs outside is timing and the sealed body's size (docs/THREAT-MODEL.md).
     */
    private InferAnswer modelFailed(OpenedRequest opened, FailureCode code, String detailForTheDataProvider, byte[] inputsNpz,
                                    long rows, Stages stages) {
        stages.done(InferStage.ENCODE_ANSWER);
        log.append(LeafCommitments.commit(LeafSalts.random(), Digests.sha256(inputsNpz),
                Digests.sha256(code.id().getBytes(java.nio.charset.StandardCharsets.US_ASCII)), opened.dataProvider()));
        requestsServed.incrementAndGet();
        rowsServed.addAndGet(rows);
        stages.done(InferStage.COMMIT_AND_LOG);
        byte[] sealed = opened.sealFailure(code, detailForTheDataProvider);
        stages.done(InferStage.SEAL_ANSWER);
        metrics.inferOutsideModel(stages.outsideModel());
        return new InferAnswer(200, sealed);
    }

    /** What the data provider is told of outputs past {@link ServerLimits#maxAnswerBytes()}. */
    private String oversized() {
        return "the model's outputs for this request come to more than this server's limit of " + maxAnswerBytes
                + " bytes per answer; send fewer rows per request";
    }

    private InferAnswer refused(OpenedRequest opened, FailureCode code, String detailForTheDataProvider) {
        metrics.failure(code);
        return new InferAnswer(statusOf(code), opened.sealFailure(code, detailForTheDataProvider));
    }

    /** The log's current signed head, for the model provider's audit (and anyone's). */
    public SignedTreeHead head() {
        return log.head();
    }

    /** That the log of {@code from} leaves is a prefix of the log of {@code to} leaves. */
    public ConsistencyProof consistency(long from, long to) throws ServingFailure {
        try {
            return log.consistency(from, to);
        } catch (IllegalArgumentException e) {
            throw new ServingFailure(400, FailureCode.PEER_PROTOCOL_ERROR, "no consistency proof from " + from + " to " + to
                    + " leaves: the log holds " + log.size());
        }
    }

    private static int statusOf(FailureCode code) {
        return switch (code) {
            case CONTRACT_REFUSED -> 403;
            case LIMIT_EXCEEDED -> 429;
            case PEER_PROTOCOL_ERROR -> 400;
            case DATASET_INVALID, INFERENCE_FAILED, ASSET_INVALID, MODEL_INVALID -> 422;
            case TIMEOUT -> 504;
            case SESSION_UNAVAILABLE, ENCLAVE_SHUTDOWN -> 503;
            default -> 500;
        };
    }

    private void requireUnexpired() throws ServingFailure {
        try {
            contract.requireUnexpired(clock.instant());
        } catch (ProtocolException e) {
            throw new ServingFailure(410, FailureCode.CONTRACT_REFUSED, e.getMessage());
        }
    }

    private void requireContract(String contractHashHex) throws ServingFailure {
        if (!MessageDigest.isEqual(contract.hashHex().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                contractHashHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
            throw new ServingFailure(409, FailureCode.CONTRACT_REFUSED, "this instance serves contract " + contract.hashHex()
                    + ", not " + contractHashHex);
        }
    }

    String id() {
        return contract.hashHex().substring(0, 12);
    }

    @Override
    public void close() {
        expiry.shutdownNow();
        discard(null);
        sealers.shutdown();
        secrets.close();
    }
}
