package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.provider.broker.BrokerMetrics;
import dev.veil.provider.broker.BrokerServer;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.BrokeredContract;
import dev.veil.provider.broker.KeyBroker;
import dev.veil.provider.broker.ProviderDataKeys;
import dev.veil.provider.broker.ReleaseAudit;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import dev.veil.spark.broker.DatasetDataKeys;
import dev.veil.spark.parquet.BoundDatasetDecryption;
import dev.veil.spark.parquet.DataKeyServices;
import dev.veil.spark.parquet.DatasetFiles;
import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.spark.parquet.ParquetCrypto;
import dev.veil.spark.parquet.RowCells;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: the driver names, in the read's options, the data provider's key service Parquet decrypts with
 * on the executor, and names the job whose instance runs the rows ({@link PartitionInference}) separately. One executor
 * JVM holds instances of several jobs, each with its own key service ({@code DataKeyServices.forJob}), so a driver that
 * misbehaved could have job B's inference task read job A's files decrypted under job A's key service (another
 * contract's, perhaps) and run them through job B's model; or read them in a task that runs no instance at all and
 * collect the rows. Nothing on the executor tied the key service a task's files were decrypted under to the task's
 * instance. Now an inference task is bound to its instance's key service before it opens a file, and a file is
 * decrypted in a task only under the key service the task is bound to: the task fails with {@code dataset_invalid}
 * before any key moves and before any row reaches a model.
 */
class InferenceTaskReadingUnderAnotherJobsKeyServiceAttackTest {
    private static final int ROWS = 6;

    @TempDir
    Path tmp;

    @Test
    void aTaskReadingUnderAKeyServiceNotItsInstancesDecryptsNothing() throws Exception {
        ExecutorContract fixture = new ExecutorContract();
        Identity mp = fixture.modelProvider;
        Identity dp = fixture.dataProvider;
        ContractVerifier.Verified contract = ContractVerifier.verify(fixture.signed, Instant.now());
        AssetKey modelKey = AssetKey.generate();
        BrokerState dpState = BrokerState.open(tmp.resolve("dp-broker"));
        ReleaseAudit.createMasterKey(dpState, "dataset");
        KeyBroker mpBroker = KeyBroker.open(mp, modelKey, List.of(BrokeredContract.batch(contract, mp.publicIdentity())),
                BrokerState.open(tmp.resolve("mp-broker")), KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        KeyBroker dpBroker = KeyBroker.open(dp, null, List.of(BrokeredContract.batch(contract, dp.publicIdentity())), dpState,
                KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        String jobA = "job-a-" + System.nanoTime();
        String jobB = "job-b-" + System.nanoTime();
        try (mpBroker; dpBroker;
             BrokerServer mpServer = BrokerServer.start(mpBroker, "127.0.0.1", 0, 4);
             BrokerServer dpServer = BrokerServer.start(dpBroker, "127.0.0.1", 0, 4)) {
            String mpUrl = "http://127.0.0.1:" + mpServer.port() + "/";
            String dpUrl = "http://127.0.0.1:" + dpServer.port() + "/";
            DatasetFiles.Listed dataA = dataset(dp, dpUrl, fixture.model, "data-a");
            DatasetFiles.Listed dataB = dataset(dp, dpUrl, fixture.model, "data-b");
            byte[] sealedModel = new Sealer().sealBytes(fixture.model, modelKey, ContentType.MODEL);
            try (SparkSession spark = localSpark()) {
                // both jobs' instances in this executor JVM (local mode: the tasks run here), as their attestation stages made them
                ExecutorInstance.attest(new BatchTerms(jobA, Json.canonical(fixture.signed), sealedModel, mpUrl, dpUrl, "dataset", 4));
                ExecutorInstance.attest(new BatchTerms(jobB, Json.canonical(fixture.signed), sealedModel, mpUrl, dpUrl, "dataset", 4));
                Map<String, String> underA = BoundDatasetDecryption.reading(DataKeyServices.forJob(dpUrl, contract.hashHex(), jobA));
                Map<String, String> underB = BoundDatasetDecryption.reading(DataKeyServices.forJob(dpUrl, contract.hashHex(), jobB));
                assertThat(infer(read(spark, underA, dataA), jobA, dataA)).as("job A's own task reads its files").hasSize(ROWS);
                assertThat(infer(read(spark, underB, dataB), jobB, dataB)).as("job B's own task reads its files").hasSize(ROWS);

                // job B's inference stage as its driver would run it, but reading job A's files under job A's key service
                assertThatThrownBy(() -> infer(read(spark, underA, dataA), jobB, dataB))
                        .as("job B's task given job A's files under job A's key service")
                        .satisfies(e -> assertThat(PartitionFailure.codeIn(e)).isEqualTo(FailureCode.DATASET_INVALID));
                // one task over job B's files and then job A's: each file the task opens is held to the task's instance
                Dataset<Row> spliced = read(spark, underB, dataB).union(read(spark, underA, dataA)).coalesce(1);
                assertThatThrownBy(() -> infer(spliced, jobB, dataB))
                        .as("job B's task reading job A's files after its own")
                        .satisfies(e -> assertThat(PartitionFailure.codeIn(e)).isEqualTo(FailureCode.DATASET_INVALID));
                assertThatThrownBy(() -> read(spark, underA, dataA).collectAsList())
                        .as("a task of no instance collecting job A's rows for the driver")
                        .hasStackTraceContaining("key service is not the one named");
                // nor can the driver name Parquet's own decryption factory instead, which asks no binding: it cannot supply
                // the AAD prefix the dataset's files were written with (FileBinding), so they decrypt through no other
                Map<String, String> parquetsOwn = ParquetCrypto.reading(DataKeyServices.forJob(dpUrl, contract.hashHex(), jobA));
                assertThatThrownBy(() -> infer(read(spark, parquetsOwn, dataA), jobB, dataB))
                        .as("job B's task given job A's files under job A's key service through Parquet's own factory")
                        .satisfies(e -> assertThat(PartitionFailure.codeIn(e)).isEqualTo(FailureCode.DATASET_INVALID));
                assertThatThrownBy(() -> read(spark, parquetsOwn, dataA).collectAsList())
                        .as("a task of no instance reading job A's files through Parquet's own factory")
                        .hasStackTraceContaining("AAD prefix");
            } finally {
                ExecutorInstance.close(jobA);
                ExecutorInstance.close(jobB);
            }
        }
    }

    /** A Spark in this JVM, so that its tasks run beside the instances this test attests. */
    private SparkSession localSpark() {
        return SparkSession.builder().master("local[1]").appName("veil key service per task")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.local.dir", tmp.resolve("local").toString())
                .getOrCreate();
    }

    private static Dataset<Row> read(SparkSession spark, Map<String, String> reading, DatasetFiles.Listed data) {
        return spark.read().schema(BatchJob.INPUT_SCHEMA).options(reading).parquet(data.files().toArray(String[]::new));
    }

    /** The rows of {@code input} through job {@code jobId}'s instance, as the inference stage runs them. */
    private static List<Row> infer(Dataset<Row> input, String jobId, DatasetFiles.Listed data) {
        return input.javaRDD().mapPartitions(new PartitionInference(jobId, data.dataset(), data.files(),
                input.sparkSession().sparkContext().collectionAccumulator("receipts"))).collect();
    }

    /** A data provider's dataset of {@link #ROWS} rows the model takes, in files of four, sealed through its broker. */
    private DatasetFiles.Listed dataset(Identity dp, String dpUrl, byte[] model, String name) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        var input = OnnxSignatureReader.read(model).inputs().get(0);
        long[] shape = input.shape().stream().mapToLong(d -> d instanceof dev.veil.protocol.contract.Dim.Fixed f ? f.size() : ROWS)
                .toArray();
        shape[0] = ROWS;
        float[] v = new float[Math.toIntExact(Tensor.elementCount(shape))];
        Random r = new Random(name.hashCode());
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        DataKeyServices.register(dpUrl, new DatasetDataKeys(new ProviderDataKeys(URI.create(dpUrl), dp)));
        try {
            EncryptedRows.writeDataset(dir, RowCells.split(NamedTensors.of(Tensor.ofFloats(input.name(), shape, v))), 4,
                    ParquetCrypto.apply(new Configuration(), dpUrl, "dataset"));
        } finally {
            DataKeyServices.unregister(dpUrl);
        }
        return DatasetFiles.list(dir.toUri().toString(), new Configuration());
    }
}
