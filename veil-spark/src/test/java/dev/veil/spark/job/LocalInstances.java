package dev.veil.spark.job;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.provider.broker.ProviderDataKeys;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The executor-side attack tests' setting: both providers' real brokers over loopback under one {@link ExecutorContract},
 * and a Spark in this JVM (local mode), so that its tasks run beside the enclave instances a test attests here, as
 * the jobs' attestation stages would make them. Closing it closes those instances, Spark and the brokers.
 */
final class LocalInstances implements AutoCloseable {
    /** Rows of each dataset {@link #dataset} writes, in files of four. */
    static final int ROWS = 6;

    final ExecutorContract fixture = new ExecutorContract();
    final ContractVerifier.Verified contract;
    /** The driver of this JVM's jobs: their instances are made here, beside it (a local master's executor). */
    final DriverInstance driver;
    final SparkSession spark;
    private final Path tmp;
    private final ReleasingBrokers brokers;
    private final String dpUrl;
    private final List<String> jobs = new ArrayList<>();

    LocalInstances(Path tmp) throws Exception {
        this.tmp = tmp;
        contract = ContractVerifier.verify(fixture.signed, Instant.now());
        driver = new DriverInstance(fixture.signed);
        brokers = new ReleasingBrokers(fixture, tmp);
        dpUrl = brokers.dpUrl;
        spark = SparkSession.builder().master("local[1]").appName("veil instances beside Spark")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.local.dir", tmp.resolve("local").toString())
                .getOrCreate();
    }

    /** A new job's instance in this JVM, as its attestation stage makes it; returns the job's id. */
    String attest(String name) throws Exception {
        String jobId = name + "-" + System.nanoTime();
        jobs.add(jobId);
        ExecutorInstance.attest(brokers.terms(jobId), driver.statement());
        return jobId;
    }

    /** The name job {@code jobId}'s instance reads the dataset under. */
    String keyService(String jobId) {
        return DataKeyServices.forJob(dpUrl, contract.hashHex(), jobId);
    }

    /** The read's options a driver of job {@code jobId} gives (BatchJob's). */
    Map<String, String> readingFor(String jobId) {
        return BoundDatasetDecryption.reading(keyService(jobId));
    }

    Dataset<Row> read(Map<String, String> reading, DatasetFiles.Listed data) {
        return spark.read().schema(BatchJob.INPUT_SCHEMA).options(reading).parquet(data.files().toArray(String[]::new));
    }

    /** The rows of {@code input} through job {@code jobId}'s instance, as the inference stage runs them. */
    List<Row> infer(Dataset<Row> input, String jobId, DatasetFiles.Listed data) {
        return input.javaRDD().mapPartitions(new PartitionInference(jobId, data.dataset(), data.files(),
                spark.sparkContext().collectionAccumulator("receipts"))).collect();
    }

    /** A data provider's dataset of {@link #ROWS} rows the model takes, in files of four, sealed through its broker. */
    DatasetFiles.Listed dataset(String name) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        var input = OnnxSignatureReader.read(fixture.model).inputs().get(0);
        long[] shape = input.shape().stream().mapToLong(d -> d instanceof dev.veil.protocol.contract.Dim.Fixed f ? f.size() : ROWS)
                .toArray();
        shape[0] = ROWS;
        float[] v = new float[Math.toIntExact(Tensor.elementCount(shape))];
        Random r = new Random(name.hashCode());
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        DatasetDataKeys sealing = new DatasetDataKeys(new ProviderDataKeys(URI.create(dpUrl), fixture.dataProvider));
        DataKeyServices.register(dpUrl, sealing);
        try {
            EncryptedRows.writeDataset(dir, RowCells.split(NamedTensors.of(Tensor.ofFloats(input.name(), shape, v))), 4,
                    ParquetCrypto.apply(new Configuration(), dpUrl, "dataset"));
        } finally {
            DataKeyServices.unregister(dpUrl, sealing);
        }
        return DatasetFiles.list(dir.toUri().toString(), new Configuration());
    }

    @Override
    public void close() throws Exception {
        try (brokers; spark; driver) {
            jobs.forEach(ExecutorInstance::close);
        }
    }
}
