package dev.veil.spark.job;

import dev.veil.attest.Platform;
import dev.veil.protocol.batch.BatchReceiptFile;
import dev.veil.protocol.batch.PartitionReceipt;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.spark.parquet.BoundDatasetDecryption;
import dev.veil.spark.parquet.DataKeyServices;
import dev.veil.spark.parquet.DatasetFiles;
import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.spark.parquet.ParquetCrypto;
import dev.veil.spark.parquet.ResultKeys;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;

/**
 * The driver's part of a confidential batch: check the data provider's dataset against the contract (its manifest,
 * files, pin and rows: {@link DatasetAdmission}), attest every executor registered at the job's start as an enclave
 * instance in a stage that reads no data ({@link InstanceAttestation}), then read its encrypted Parquet and run the
 * contract's model in those executors ({@link ExecutorInstance}, decrypting only files bound to that manifest and
 * counting rows against {@code max_rows}; an executor that did not attest never does during the job), write the
 * results as encrypted Parquet under the data provider's master key, then count the committed partitions' rows
 * ({@link BatchTotals}), sign the batch receipt over the partitions' receipts and close every instance for its discard
 * receipt. The driver never holds a key: it reads no footer (the schema is given, not inferred), and only executors
 * unwrap data keys.
 */
public final class BatchJob {
    /** The data provider's records: the row's place in the input, and its tensors as one cell. */
    public static final StructType INPUT_SCHEMA = new StructType()
            .add(EncryptedRows.ROW, DataTypes.LongType, false)
            .add(EncryptedRows.TENSORS, DataTypes.BinaryType, false);
    public static final String PARTITION = "partition";
    public static final String SALT = "salt";
    /** The results: as the input, with the partition that computed the row and that partition's commitment salt. */
    public static final StructType RESULT_SCHEMA = INPUT_SCHEMA
            .add(PARTITION, DataTypes.IntegerType, false)
            .add(SALT, DataTypes.BinaryType, false);
    /**
     * Spark settings of every job, over any the JVM's {@code spark.*} system properties give (veil batch takes no other
     * Spark configuration). The job's instances attest in a stage before any data is read, and an executor that did not
     * never attests during the job, so what the model provider's broker records does not depend on the model's
     * behaviour on the data, and these keep the job from needing executors beyond those. A task has a few attempts, so
     * that an executor lost mid-task (its instance with it) does not fail the batch: its task runs again on an executor
     * that attested; a task that failed once on an executor is given no other task of the stage there (the lost
     * executor's replacement holds no instance and fails its first, {@code instance_not_attested}); and a task that
     * failed in any other way is not retried at all: its stage is cancelled ({@link TaskFailures}). The lost executor and
     * its replacement count as two failed executors of their host: the per-host limits are raised by one over Spark's,
     * so that one lost executor does not exclude its host (on a one-host cluster, the whole cluster; Spark wants a
     * task's attempts per host below its attempts in all). Nothing is excluded for the whole application: the closing
     * stage must reach every instance, whatever its executor failed before. No speculative copy is launched (the model
     * decides which tasks are slow) and no executor is added or removed while the job runs (dynamic allocation follows
     * the job's backlog, which the model's speed decides).
     */
    public static final Map<String, String> SPARK_SETTINGS = Map.of(
            "spark.task.maxFailures", "4",
            "spark.excludeOnFailure.enabled", "true",
            "spark.excludeOnFailure.stage.maxFailedTasksPerExecutor", "1",
            "spark.excludeOnFailure.task.maxTaskAttemptsPerNode", "3",
            "spark.excludeOnFailure.stage.maxFailedExecutorsPerNode", "3",
            "spark.excludeOnFailure.application.maxFailedTasksPerExecutor", "1000000",
            "spark.excludeOnFailure.application.maxFailedExecutorsPerNode", "1000000",
            "spark.speculation", "false",
            "spark.dynamicAllocation.enabled", "false");
    /** How many rounds of attestation tasks the driver sends to reach every executor registered at the job's start. */
    private static final int ATTESTATION_ROUNDS = 3;
    /** How long the driver waits for the cluster's executors to register before it attests those that did. */
    private static final java.time.Duration EXECUTORS_WAIT = java.time.Duration.ofSeconds(60);
    /** The attestation jobs' description (Spark's UI and listeners): they read no data. */
    public static final String ATTESTATION_STAGE = "veil: attest the job's executors";
    /** The description of the job that reads the dataset, runs the model and writes the results. */
    public static final String INFERENCE_STAGE = "veil: inference";
    /** How many rounds of closing tasks the driver sends before it reports instances it could not reach. */
    private static final int CLOSING_ROUNDS = 3;
    /** How long the driver waits for Spark to deliver the job's events (which executors ran its tasks) after it ended. */
    private static final java.time.Duration EVENTS_WAIT = java.time.Duration.ofSeconds(60);

    /**
     * The batch receipt for the data provider (null when the job failed), the discard receipts for the model provider
     * (whatever the job's outcome), how many executors that ran a task of the job gave none (lost, or not reached:
     * each may have held an instance), the job's failure code, or null when it succeeded, with a broker's fixed reason
     * id when a broker refused an instance ({@link PartitionFailure#brokerReasonIn}), and whether the failure is the
     * driver's refusal of the committed partitions' totals ({@link BatchTotals}) rather than an executor's.
     */
    public record Outcome(BatchReceiptFile batchReceipt, List<SignedReceipt> discardReceipts, int unclosedInstances,
                          FailureCode failure, String brokerRefusal, boolean totalsRefused) {
    }

    private BatchJob() {
    }

    /**
     * Runs one job of {@code terms} on {@code spark}, an application started with {@code driver}'s settings
     * ({@link DriverInstance#sparkSettings}), whose contract must be the terms' contract.
     */
    public static Outcome run(SparkSession spark, DriverInstance driver, BatchTerms terms, String dataDir, String outDir)
            throws IOException, ProtocolException {
        ContractVerifier.Verified contract = ContractVerifier.verify(
                Json.parse(terms.signedContract(), SignedContract.class, "contract"), Instant.now());
        if (!contract.hashHex().equals(driver.contract().hashHex())) {
            throw new IllegalArgumentException("the driver instance serves another contract than the job's terms");
        }
        if (contract.contract().enclave().referenceValues().platform() != Platform.SIM) {
            // the driver's block manager keeps each task's code, which executors fetch from it
            try {
                MemoryBackedDirectory.requireSparkLocalDirs(SparkEnv.get(), "the driver's");
            } catch (MemoryBackedDirectory.NotMemoryBacked e) {
                throw new ProtocolException(e.getMessage());
            }
        }
        // the dataset's manifest and files, its pin and its rows, before any executor attests (no key has moved)
        DatasetFiles.Listed dataset = DatasetAdmission.admit(contract, dataDir, spark.sparkContext().hadoopConfiguration());
        // read through the data provider's broker, each file only as the file of this dataset its name says; write
        // under its master key for the results, through the same broker (each under this job's own name: an
        // executor's instances of other jobs keep their keys apart)
        Map<String, String> reading = new LinkedHashMap<>(BoundDatasetDecryption.reading(
                DataKeyServices.forJob(terms.dataProviderBroker(), contract.hashHex(), terms.jobId())));
        // a file that fails to decrypt, or has gone, fails the job (and BatchTotals would see its rows missing)
        reading.put("ignoreCorruptFiles", "false");
        reading.put("ignoreMissingFiles", "false");
        Map<String, String> results = ParquetCrypto.writing(ResultKeys.kmsUrl(contract.hashHex(), terms.jobId()),
                terms.resultsMasterKey());
        CollectionAccumulator<byte[]> reports = spark.sparkContext().collectionAccumulator("veil receipts");
        JobExecutors executors = new JobExecutors();
        spark.sparkContext().addSparkListener(executors);
        TaskFailures taskFailures = new TaskFailures(spark.sparkContext());
        spark.sparkContext().addSparkListener(taskFailures);
        Exception jobFailure = null;
        try {
            try {
                // every instance of the job attests before the first row is read, and no other does: what the model
                // provider's broker records (and the discard receipts it is handed) is the executors at the job's
                // start, whatever the model then does with the data (ExecutorInstance.attested)
                attestExecutors(spark, terms, driver.statement());
                JavaRDD<Row> rows = spark.read().schema(INPUT_SCHEMA).options(reading)
                        .parquet(dataset.files().toArray(String[]::new)).javaRDD()
                        .mapPartitions(new PartitionInference(terms.jobId(), dataset.dataset(), dataset.files(), reports));
                // Spark's output commit protocol: each task attempt writes under its own attempt directory, one attempt
                // per partition is allowed to commit (a retried task's or a speculative copy's other attempts are aborted
                // or denied, and their files removed with _temporary at job commit)
                spark.sparkContext().setJobDescription(INFERENCE_STAGE);
                spark.createDataFrame(rows, RESULT_SCHEMA).write().mode(SaveMode.ErrorIfExists).options(results).parquet(outDir);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {   // Spark's SparkException, which Java does not see declared
                jobFailure = e;
            } finally {
                spark.sparkContext().setJobDescription(null);
            }
            if (jobFailure == null) {
                executors.awaitJobsEnded(EVENTS_WAIT);
            } else {
                // the failed job may have started no task (no job end to wait for): wait for the events posted so far
                spark.sparkContext().listenerBus().waitUntilEmpty(EVENTS_WAIT.toMillis());
            }
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("the job's events were not delivered");
        } finally {
            spark.sparkContext().removeSparkListener(executors);
            spark.sparkContext().removeSparkListener(taskFailures);
        }
        // a partition's (or an attestation's) failure is told by its fixed code only (PartitionFailure); anything
        // else is the driver's own, told as internal
        FailureCode failure = null;
        String brokerRefusal = null;
        if (jobFailure != null) {
            Throwable decisive = taskFailures.decisive(jobFailure);
            FailureCode code = PartitionFailure.codeIn(decisive);
            failure = code == null ? FailureCode.INTERNAL_ERROR : code;
            brokerRefusal = PartitionFailure.brokerReasonIn(decisive);
        }
        // every instance that may hold keys is closed, and gives the model provider its discard receipt ("discarded",
        // the same items), whatever the job's outcome: the outcome is the data provider's to learn, not the model's
        Closed closed = closeInstances(spark, terms, executors.live());
        int unclosed = closed.unreached() + executors.lost();
        if (failure != null) {
            return new Outcome(null, closed.discards(), unclosed, failure, brokerRefusal, false);
        }

        // Spark merges a result task's accumulator updates once per partition, from the attempt that succeeded, and a
        // write task succeeds only once its commit was allowed: so these are exactly the committed attempts' receipts
        TreeMap<Integer, SignedReceipt> partitions = new TreeMap<>();
        List<PartitionReceipt> parsed = new ArrayList<>();
        for (byte[] report : reports.value()) {
            SignedReceipt r = Json.parse(report, SignedReceipt.class, "partition receipt");
            PartitionReceipt p = Json.parse(r.payload(), PartitionReceipt.class, "partition receipt");
            if (partitions.put(p.partition(), r) != null) {
                throw new ProtocolException("Spark reported two committed attempts of partition " + p.partition()
                        + "; the batch receipt is not signed");
            }
            parsed.add(p);
        }
        // every row of the dataset, once, and no more than max_rows in all: else no receipt, and the results go
        FailureCode totals = BatchTotals.check(parsed, dataset.dataset(), contract.contract().limits().maxRows());
        if (totals != null) {
            deleteResults(spark, outDir);
            return new Outcome(null, closed.discards(), unclosed, totals, null, true);
        }
        BatchReceiptFile receipt = driver.batchReceipt(dataset.dataset(), BatchTotals.rows(parsed),
                new ArrayList<>(partitions.values()));
        return new Outcome(receipt, closed.discards(), unclosed, null, null, false);
    }

    /**
     * Removes the results of a job whose totals were refused: without a batch receipt 'veil batch open' opens nothing,
     * and none are left to suggest otherwise.
     */
    private static void deleteResults(SparkSession spark, String outDir) throws IOException {
        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(outDir);
        out.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(out, true);
    }

    /** The discard receipts the closing tasks answered, and how many executors that ran the job none reached. */
    private record Closed(List<SignedReceipt> discards, int unreached) {
    }

    /**
     * The job's attestation stage, which reads no data: a task on each executor registered at the job's start
     * ({@link RegisteredExecutors}), preferring that executor, makes it attest to both brokers; repeated a few rounds for
     * executors no task reached (a task may land on another).
     */
    private static void attestExecutors(SparkSession spark, BatchTerms terms, byte[] driverStatement)
            throws IOException, InterruptedException {
        Map<String, String> open = new LinkedHashMap<>(RegisteredExecutors.await(spark.sparkContext(), EXECUTORS_WAIT));
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        sc.setJobDescription(ATTESTATION_STAGE);
        try {
            for (int round = 0; round < ATTESTATION_ROUNDS && !open.isEmpty(); round++) {
                ExecutorTasks.onEach(sc, open).mapPartitions(new InstanceAttestation(terms, driverStatement)).collect().forEach(open::remove);
            }
        } finally {
            sc.setJobDescription(null);
        }
    }

    /**
     * Sends a closing task to each executor that ran a task of the job (any attempt: each may hold an instance that got
     * keys), preferring that executor; repeats for executors not reached (a task may land on another) a few rounds.
     */
    private static Closed closeInstances(SparkSession spark, BatchTerms terms, Map<String, String> hostOfExecutor)
            throws ProtocolException {
        Map<String, SignedReceipt> discards = new LinkedHashMap<>();
        Map<String, String> open = new LinkedHashMap<>(hostOfExecutor);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        for (int round = 0; round < CLOSING_ROUNDS && !open.isEmpty(); round++) {
            for (ClosingAnswer a : ExecutorTasks.onEach(sc, open).mapPartitions(new InstanceClosing(terms.jobId())).collect()) {
                open.remove(a.executorId());
                if (a.discardReceipt().length > 0) {
                    SignedReceipt r = Json.parse(a.discardReceipt(), SignedReceipt.class, "discard receipt");
                    discards.putIfAbsent(Digests.hex(r.instanceKeys().digest()), r);
                }
            }
        }
        return new Closed(new ArrayList<>(discards.values()), open.size());
    }
}
