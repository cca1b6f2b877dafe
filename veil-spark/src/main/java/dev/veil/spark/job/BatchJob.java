package dev.veil.spark.job;

import dev.veil.protocol.batch.BatchReceiptFile;
import dev.veil.protocol.batch.PartitionReceipt;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.spark.parquet.ParquetCrypto;
import dev.veil.spark.parquet.ResultKeys;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The driver's part of a confidential batch: read the data provider's encrypted Parquet, run the contract's model in
 * every executor (each an attested enclave instance, {@link ExecutorInstance}), write the results as encrypted Parquet
 * under the data provider's master key, then sign the batch receipt over the partitions' receipts and close every
 * instance for its discard receipt. The driver never holds a key: it reads no footer (the schema is given, not
 * inferred), and only executors unwrap data keys.
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
    /** How many rounds of closing tasks the driver sends before it reports instances it could not reach. */
    private static final int CLOSING_ROUNDS = 3;

    /** The batch receipt for the data provider, the discard receipts for the model provider. */
    public record Outcome(BatchReceiptFile batchReceipt, List<SignedReceipt> discardReceipts, int unclosedInstances) {
    }

    private BatchJob() {
    }

    public static Outcome run(SparkSession spark, BatchTerms terms, String dataDir, String outDir)
            throws IOException, ProtocolException {
        ContractVerifier.Verified contract = ContractVerifier.verify(
                Json.parse(terms.signedContract(), SignedContract.class, "contract"), Instant.now());
        try (DriverInstance driver = new DriverInstance(contract)) {
            // read through the data provider's broker; write sealed to the data provider's identity
            ParquetCrypto.reading(terms.dataProviderBroker()).forEach((k, v) -> spark.sparkContext().hadoopConfiguration().set(k, v));
            Map<String, String> results = ParquetCrypto.writing(ResultKeys.kmsUrl(contract.hashHex()), ResultKeys.MASTER_KEY);
            CollectionAccumulator<InstanceReport> reports = spark.sparkContext().collectionAccumulator("veil receipts");
            JavaRDD<Row> rows = spark.read().schema(INPUT_SCHEMA).parquet(dataDir).javaRDD()
                    .mapPartitions(new PartitionInference(terms, reports));
            spark.createDataFrame(rows, RESULT_SCHEMA).write().mode(SaveMode.ErrorIfExists).options(results).parquet(outDir);

            TreeMap<Integer, SignedReceipt> partitions = new TreeMap<>();
            Map<String, String> executorOfInstance = new LinkedHashMap<>();
            for (InstanceReport report : reports.value()) {
                SignedReceipt r = Json.parse(report.signedReceipt(), SignedReceipt.class, "partition receipt");
                int p = Json.parse(r.payload(), PartitionReceipt.class, "partition receipt").partition();
                if (partitions.put(p, r) != null) {
                    throw new ProtocolException("partition " + p + " ran twice (a retried or speculative task): which run's output"
                            + " was kept is not known to the driver; run the job again with speculation off");
                }
                executorOfInstance.put(Digests.hex(r.instanceKeys().digest()), report.host() + "_" + report.executorId());
            }
            BatchReceiptFile receipt = driver.batchReceipt(new ArrayList<>(partitions.values()));
            List<SignedReceipt> discards = closeInstances(spark, terms, executorOfInstance);
            return new Outcome(receipt, discards, executorOfInstance.size() - discards.size());
        }
    }

    /**
     * Sends each instance its closing task, preferring the executor it ran on; repeats for instances not reached (a
     * task may land on another executor) a few rounds.
     */
    private static List<SignedReceipt> closeInstances(SparkSession spark, BatchTerms terms, Map<String, String> executorOfInstance)
            throws ProtocolException {
        List<SignedReceipt> discards = new ArrayList<>();
        Set<String> open = new HashSet<>(executorOfInstance.keySet());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        for (int round = 0; round < CLOSING_ROUNDS && !open.isEmpty(); round++) {
            List<Tuple2<String, scala.collection.immutable.Seq<String>>> tasks = new ArrayList<>();
            for (String instance : open) {
                String executor = executorOfInstance.get(instance);
                tasks.add(new Tuple2<>(executor, CollectionConverters.asScala(List.of("executor_" + executor)).toList()));
            }
            var rdd = sc.sc().makeRDD(CollectionConverters.asScala(tasks).toSeq(), scala.reflect.ClassTag$.MODULE$.apply(String.class));
            for (byte[] json : new JavaRDD<>(rdd, scala.reflect.ClassTag$.MODULE$.apply(String.class))
                    .mapPartitions(new InstanceClosing(terms)).collect()) {
                SignedReceipt r = Json.parse(json, SignedReceipt.class, "discard receipt");
                if (open.remove(Digests.hex(r.instanceKeys().digest()))) {
                    discards.add(r);
                }
            }
        }
        return discards;
    }
}
