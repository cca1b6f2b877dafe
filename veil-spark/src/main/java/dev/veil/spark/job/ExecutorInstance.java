package dev.veil.spark.job;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.evidence.CodeMeasurement;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.NativeLibraries;
import dev.veil.enclave.inference.WorkerReserve;
import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.NamedTensors;
import dev.veil.seal.AssetKey;
import dev.veil.seal.SealException;
import dev.veil.seal.Unsealer;
import dev.veil.enclave.broker.BrokerDataKeys;
import dev.veil.enclave.broker.BrokerRefused;
import dev.veil.enclave.broker.BrokerRelease;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.wire.Messages;
import dev.veil.spark.broker.InstanceDataKeys;
import dev.veil.spark.parquet.CipherWarmUp;
import dev.veil.spark.parquet.ResultKeys;
import java.net.URI;
import java.security.SecureRandom;
import dev.veil.spark.parquet.DataKeyService;
import dev.veil.spark.parquet.DataKeyServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * This executor JVM as an enclave instance of one job: its own instance keys, simulated evidence of its measurement
 * ({@link #measurement}, what {@code veil batch measure} prints), one attestation to each provider's broker, and the
 * model running in the enclave's inference worker. Joint consent holds as in the ceremony: no key is used until both
 * brokers released to this instance — the model key is unwrapped, and the data provider's key service registered for
 * Parquet, only after the second release; the data provider's broker is asked only after the model provider's released.
 */
public final class ExecutorInstance {
    private static final Map<String, ExecutorInstance> BY_JOB = new HashMap<>();
    /**
     * This executor JVM's inference worker started ahead of need (guarded by the class): an instance's worker JVM and
     * ONNX Runtime start while it attests to the brokers, and once an instance's worker has exited the next one starts,
     * so the next job's instance finds it ready. A spare worker has loaded nothing but ONNX Runtime; it gets the model
     * only from the instance that takes it, after both releases ({@link WorkerReserve}).
     */
    private static WorkerReserve reserve;
    /** Where this JVM's workers get their empty private directories (guarded by the class). */
    private static Path scratch;

    private final ContractVerifier.Verified contract;
    private final InstanceKeyPairs keys;
    private final EvidenceSource evidence;
    /** The model in the inference worker, or null when loading it failed ({@link #loadFailure}). */
    private final ModelRunner runner;
    private final FailureCode loadFailure;
    private final ReceiptKeys receipts;
    /**
     * The contract's limits.max_inference_seconds, as this instance's budget of model time: the load and every run
     * together, whatever partitions they serve; a run is stopped (its worker killed) when the budget runs out.
     */
    private final Duration timeLimit;
    /** Model time spent so far: the load, then the runs (guarded by this). */
    private long modelNanos;
    /** The contract's limits.max_rows as this instance's budget of rows, whatever partitions they serve. */
    private final RowLimit rowLimit;
    /** Rows per model run, as the job's terms give it. */
    private final int rowsPerRun;
    /** The digest of the terms this instance was made under ({@link BatchTerms#digest}). */
    private final byte[] termsDigest;
    /** The data provider's key services of this instance, and the names they are registered under for Parquet. */
    private final String datasetName;
    private final DataKeyService datasetKeys;
    private final String resultsName;
    private final DataKeyService resultKeys;

    private static final SecureRandom RANDOM = new SecureRandom();

    private ExecutorInstance(ContractVerifier.Verified contract, BatchTerms terms, WorkerReserve reserve, Path scratch)
            throws IOException, ProtocolException, InferenceException, BrokerRefused {
        this.contract = contract;
        keys = new InstanceKeyPairs(contract.contract().keyWrap());
        evidence = BatchEvidence.forContract(contract);
        receipts = new ReceiptKeys(contract, keys, evidence);
        // the model provider's broker first, then the data provider's: a release counts against the contract's
        // max_instances and enters the broker's record, so the data provider's broker is asked only once the model
        // provider's released (a refusal, or a broker that cannot be reached, spends none of the data provider's
        // instances); neither key is opened before both released
        BrokerRelease.Released fromMp = new BrokerRelease(URI.create(terms.modelProviderBroker()), contract.hashHex())
                .fetch(this::offer);
        BrokerRelease.Released fromDp = new BrokerRelease(URI.create(terms.dataProviderBroker()), contract.hashHex())
                .fetch(this::offer);
        // both released: only now is either opened
        BrokerRelease.openKey(fromDp, Role.DATA_PROVIDER, contract.contract().party(Role.DATA_PROVIDER), keys.publicKeys(),
                keys.keyWrap());
        AssetKey modelKey = BrokerRelease.openKey(fromMp, Role.MODEL_PROVIDER, contract.contract().party(Role.MODEL_PROVIDER),
                        keys.publicKeys(), keys.keyWrap())
                .orElseThrow(() -> new ProtocolException("the model provider's broker released no model key"));
        byte[] model;
        ModelRunner loaded = null;
        FailureCode loadFailure = null;
        timeLimit = Duration.ofSeconds(contract.contract().limits().maxInferenceSeconds());
        rowLimit = new RowLimit(contract.contract().limits().maxRows());
        rowsPerRun = terms.rowsPerRun();
        termsDigest = terms.digest();
        try (modelKey) {
            model = Unsealer.unsealBytes(terms.sealedModel(), modelKey).plaintext();
        } catch (SealException e) {
            throw new ProtocolException("the sealed model does not open with the released key: " + e.getMessage());
        }
        try {
            if (!Digests.hex(Digests.sha256(model)).equals(contract.contract().model().sha256())) {
                throw new ProtocolException("the model is not the one the contract names");
            }
            long start = System.nanoTime();
            try {
                // the worker's start (when none was ready) and the model's load (constant folding runs model code) count
                // against the limit
                loaded = new ModelRunner(model, contract.contract().model().signature(), 1, scratch, timeLimit, reserve);
            } catch (InferenceException e) {
                loadFailure = e.code();   // the instance got keys: it stays, to be closed with a discard receipt
            } finally {
                modelNanos = System.nanoTime() - start;
            }
        } finally {
            Arrays.fill(model, (byte) 0);
        }
        runner = loaded;
        this.loadFailure = loadFailure;
        BrokerDataKeys dataKeys = new BrokerDataKeys(URI.create(terms.dataProviderBroker()), contract.hashHex(), keys,
                contract.contract().party(Role.DATA_PROVIDER));
        // under this job's own names (DataKeyServices.forJob): another job's instance in this JVM never reads with the keys
        // Parquet cached for this one, nor replaces or withdraws this one's services
        datasetName = DataKeyServices.forJob(terms.dataProviderBroker(), contract.hashHex(), terms.jobId());
        datasetKeys = new InstanceDataKeys(dataKeys);
        resultsName = ResultKeys.kmsUrl(contract.hashHex(), terms.jobId());
        resultKeys = ResultKeys.writer(dataKeys, Digests.hex(keys.publicKeys().digest()));
        DataKeyServices.register(datasetName, datasetKeys);
        try {
            DataKeyServices.register(resultsName, resultKeys);
        } catch (IllegalStateException e) {
            DataKeyServices.unregister(datasetName, datasetKeys);
            throw e;
        }
    }

    /** Evidence answering a broker's nonce, bound to the contract and this instance's keys. */
    private Messages.EvidenceOffer offer(byte[] brokerNonce) throws IOException {
        byte[] enclaveNonce = new byte[EvidenceBinding.NONCE_LENGTH];
        RANDOM.nextBytes(enclaveNonce);
        EvidenceSource.Collected c = evidence.collect(EvidenceBinding.reportData(brokerNonce, contract.hash(), keys.publicKeys()));
        return new Messages.EvidenceOffer(evidence.platform(), c.evidence(), c.collateral(), keys.publicKeys(), enclaveNonce);
    }

    /**
     * The instance of this job in this JVM, attested now if it has none: only the job's attestation stage calls this
     * ({@link InstanceAttestation}), before any data is read. An instance whose model failed to load is kept (it got
     * keys, so it owes a discard receipt) and fails every task with the load's failure code. An instance of this job id made
     * under other terms is refused ({@link BatchTerms#digest}). Before anything else, the driver that sent the task must
     * be the attested driver of the contract ({@link DriverConnection}, {@code driverStatement}): else no broker is asked.
     */
    static synchronized ExecutorInstance attest(BatchTerms terms, byte[] driverStatement)
            throws IOException, ProtocolException, InferenceException, BrokerRefused {
        ContractVerifier.Verified contract = ContractVerifier.verify(
                Json.parse(terms.signedContract(), SignedContract.class, "contract"), Instant.now());
        DriverConnection.requireAttestedDriver(contract, driverStatement);
        ExecutorInstance existing = BY_JOB.get(terms.jobId());
        if (existing == null) {
            if (reserve == null) {
                // once per executor JVM, before its first worker starts: ONNX Runtime's native libraries in their
                // content-addressed directory (extracted on the installation's first run), which each worker's start hashes
                // before that worker loads them; otherwise every worker would unpack its own unverified copy into the
                // executor's temporary directory (28 MB written, and its CPU, at every start)
                NativeLibraries.prepareForWorkers();
                scratch = Files.createTempDirectory("veil-executor-");
                reserve = new WorkerReserve(scratch);
                CipherWarmUp.once();   // while the first worker starts: AES-GCM compiled before the first page is decrypted
            }
            reserve.refill();   // no-op when a worker is ready or starting already
            existing = new ExecutorInstance(contract, terms, reserve, scratch);
            BY_JOB.put(terms.jobId(), existing);
        } else if (!java.security.MessageDigest.isEqual(existing.termsDigest, terms.digest())) {
            // a job id names one job's terms: an instance made under other terms (another contract, model, broker, rows
            // per run) is never answered for these, and no broker is asked
            throw new ProtocolException("this executor holds an instance of the job made under other terms");
        }
        return loaded(existing);
    }

    /**
     * The instance of this job that this JVM attested in the job's attestation stage. A JVM that holds none (an executor
     * that joined, or was not reached, after that stage) never attests here: it fails with
     * {@link FailureCode#INSTANCE_NOT_ATTESTED}, asking no broker, so a task retried or copied onto it (a model that
     * failed or ran slowly on the data decides when) adds no instance to what the model provider's broker records.
     */
    static synchronized ExecutorInstance attested(String jobId) throws InferenceException {
        ExecutorInstance existing = BY_JOB.get(jobId);
        if (existing == null) {
            throw new InferenceException(FailureCode.INSTANCE_NOT_ATTESTED, "this executor holds no instance of the job");
        }
        return loaded(existing);
    }

    private static ExecutorInstance loaded(ExecutorInstance instance) throws InferenceException {
        if (instance.loadFailure != null) {
            throw new InferenceException(instance.loadFailure, "the model did not load");
        }
        return instance;
    }

    /**
     * Runs the model on {@code batch} within what is left of this instance's time budget: past it the worker is killed
     * and this fails with {@link FailureCode#TIMEOUT}, as does every later run.
     */
    public synchronized NamedTensors run(NamedTensors batch) throws InferenceException {
        Duration left = timeLimit.minusNanos(modelNanos);
        if (left.isNegative() || left.isZero()) {
            throw new InferenceException(FailureCode.TIMEOUT, "the instance used the contract's time limit");
        }
        long start = System.nanoTime();
        try {
            return runner.run(batch, left, ResultBudget.perRun());
        } finally {
            modelNanos += System.nanoTime() - start;
        }
    }

    /**
     * The sim measurement of an executor: this JVM's class path and runtime, with the sim enclave's default measured
     * settings. The launcher prints it for the contract; every executor started from the same build measures the same.
     */
    public static byte[] measurement() {
        return CodeMeasurement.compute(EnclaveConfig.simDefaults(Path.of(System.getProperty("java.io.tmpdir"))));
    }

    /**
     * Ends this job's instance in this JVM and returns its discard receipt for the model provider, or null when this
     * JVM holds no instance of the job: the model plaintext and the worker are gone, the key-wrap key wiped, the data
     * provider's key service unregistered. Its outcome is "discarded" whatever happened, as in the ceremony. Only the
     * closing task calls this ({@link InstanceClosing}): not public, since Spark SQL's {@code reflect()} calls public
     * static methods of strings on executors, and would close another job's instance by its id.
     */
    static synchronized dev.veil.protocol.receipt.SignedReceipt close(String jobId) {
        ExecutorInstance instance = BY_JOB.remove(jobId);
        if (instance == null) {
            return null;
        }
        java.util.List<String> released = new java.util.ArrayList<>();
        // with the dataset service goes the dataset read under its name (BoundDatasetDecryption)
        DataKeyServices.unregister(instance.datasetName, instance.datasetKeys);
        DataKeyServices.unregister(instance.resultsName, instance.resultKeys);
        released.add("data provider's key service dropped");
        // a runner that failed to load closed itself: its worker is stopped and its copy of the model wiped
        if (instance.runner == null || instance.runner.closeSession()) {
            released.add("inference worker stopped and model plaintext buffer zeroed");
        }
        instance.keys.close();
        released.add("instance key-wrap key wiped");
        dev.veil.protocol.receipt.DiscardReceipt r = new dev.veil.protocol.receipt.DiscardReceipt(instance.contract.hashHex(),
                instance.contract.contract().model().sha256(), dev.veil.protocol.receipt.DiscardReceipt.DISCARDED, released,
                Instant.now().toString(), instance.receipts.evidenceSha256());
        return instance.receipts.sign(dev.veil.protocol.receipt.DiscardReceipt.KIND, r);
    }

    ReceiptKeys receipts() {
        return receipts;
    }

    RowLimit rowLimit() {
        return rowLimit;
    }

    int rowsPerRun() {
        return rowsPerRun;
    }

    /** The name this instance's dataset key service is registered under for Parquet (this job's own). */
    String datasetKeyService() {
        return datasetName;
    }

    /** This instance's dataset key service itself: what binds a task to it ({@code TaskKeyServices.bind}). */
    DataKeyService datasetKeys() {
        return datasetKeys;
    }

    public ContractVerifier.Verified contract() {
        return contract;
    }

    public InstanceKeyPairs keys() {
        return keys;
    }

    public EvidenceSource evidence() {
        return evidence;
    }
}
