package dev.veil.spark.job;

import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.spark.parquet.ParquetCrypto;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The driver's part of a confidential batch: read the data provider's encrypted Parquet, run the contract's model in
 * every executor (each an attested enclave instance, {@link ExecutorInstance}), write the results as encrypted Parquet
 * under the data provider's master key. The driver never holds a key: it reads no footer (the schema is given, not
 * inferred), and only executors unwrap data keys.
 */
public final class BatchJob {
    /** Input and output records alike: the row's place in the input, and its tensors as one cell. */
    public static final StructType SCHEMA = new StructType()
            .add(EncryptedRows.ROW, DataTypes.LongType, false)
            .add(EncryptedRows.TENSORS, DataTypes.BinaryType, false);

    private BatchJob() {
    }

    public static void run(SparkSession spark, BatchTerms terms, String dataDir, String outDir) {
        Map<String, String> crypto = ParquetCrypto.properties(terms.dataProviderBroker());
        crypto.forEach((k, v) -> spark.sparkContext().hadoopConfiguration().set(k, v));
        JavaRDD<Row> results = spark.read().schema(SCHEMA).parquet(dataDir).javaRDD()
                .mapPartitions(new PartitionInference(terms));
        spark.createDataFrame(results, SCHEMA).write().mode(SaveMode.ErrorIfExists).options(crypto).parquet(outDir);
    }
}
