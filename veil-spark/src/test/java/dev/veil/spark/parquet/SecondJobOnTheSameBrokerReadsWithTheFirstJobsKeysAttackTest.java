package dev.veil.spark.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One executor JVM holds the instances of several jobs at once (ExecutorInstance, one per job id), and each registers
 * its data provider's key service under the broker's URL alone ({@link DataKeyServices}); Parquet caches the KMS client
 * and the key-encryption keys it unwrapped per that URL, for ten minutes. So a second job under another contract with
 * the same data provider's broker reads the first job's dataset with what the first job's instance unwrapped, although
 * the broker would refuse the second instance those keys (a master key scoped to the first contract only: the broker
 * answers not_in_scope). The host, which names each job's input path, gets the first contract's data into the second
 * contract's model. The fix: each job's instance registers (and Parquet caches) under a name of its own job
 * ({@link DataKeyServices#forJob}), registering refuses a name held by another service, and an instance withdraws only
 * its own.
 */
class SecondJobOnTheSameBrokerReadsWithTheFirstJobsKeysAttackTest {
    @Test
    void aSecondContractsInstanceCannotReadTheFirstContractsDatasetThroughParquetsCache(@TempDir Path dir) throws Exception {
        String dataProvidersBroker = "http://127.0.0.1:1/dp-" + UUID.randomUUID();
        float[] v = new float[12];
        java.util.Arrays.fill(v, 7f);
        NamedTensors rows = NamedTensors.of(Tensor.ofFloats("x", new long[] {4, 3}, v));

        // job A's instance, released to under contract A (whose master key "dataset-a" this is), reads its dataset under
        // its job's name, as ExecutorInstance registers it and BatchJob configures the read
        String jobA = DataKeyServices.forJob(dataProvidersBroker, "aa".repeat(32), "job-a");
        LocalMasterKeys jobAsService = new LocalMasterKeys();
        DataKeyServices.register(jobA, jobAsService);
        EncryptedRows.write(dir, RowCells.split(rows), 10, ParquetCrypto.apply(new Configuration(), jobA, "dataset-a"));
        EncryptedRows.readAll(dir, ParquetCrypto.apply(new Configuration(), jobA, "dataset-a"));

        // job B's instance in the same executor JVM, under contract B, same data provider's broker: refused those keys
        String jobB = DataKeyServices.forJob(dataProvidersBroker, "bb".repeat(32), "job-b");
        RefusedByTheBroker jobBsService = new RefusedByTheBroker();
        DataKeyServices.register(jobB, jobBsService);
        try {
            Configuration jobBsRead = new Configuration();
            ParquetCrypto.reading(jobB).forEach(jobBsRead::set);
            assertThatThrownBy(() -> EncryptedRows.readAll(dir, jobBsRead))
                    .as("job B reading contract A's dataset, which its broker refuses it").isNotNull();
            // nor can job B's instance take job A's name: it would replace A's service, and withdraw it when it closes
            assertThatThrownBy(() -> DataKeyServices.register(jobA, jobBsService)).isInstanceOf(IllegalStateException.class);
            DataKeyServices.unregister(jobA, jobBsService);
            assertThat(EncryptedRows.readAll(dir, ParquetCrypto.apply(new Configuration(), jobA, "dataset-a")))
                    .as("job A's read after job B withdrew what it registered").hasSize(4);
        } finally {
            DataKeyServices.unregister(jobB, jobBsService);
            DataKeyServices.unregister(jobA, jobAsService);
        }
    }

    /** The control: without job A's read earlier in this JVM, the broker's refusal does stop job B's read. */
    @Test
    void withoutTheFirstJobsReadTheBrokersRefusalStopsTheSecondJob(@TempDir Path dir) throws Exception {
        String dataProvidersBroker = "http://127.0.0.1:1/dp-" + UUID.randomUUID();
        NamedTensors rows = NamedTensors.of(Tensor.ofFloats("x", new long[] {4, 3}, new float[12]));
        LocalMasterKeys sealing = new LocalMasterKeys();
        DataKeyServices.register(dataProvidersBroker, sealing);
        EncryptedRows.write(dir, RowCells.split(rows), 10, ParquetCrypto.apply(new Configuration(), dataProvidersBroker, "dataset-a"));
        DataKeyServices.unregister(dataProvidersBroker, sealing);   // the writer's cache entries go (the data provider's own process)

        RefusedByTheBroker refused = new RefusedByTheBroker();
        DataKeyServices.register(dataProvidersBroker, refused);
        try {
            Configuration jobB = new Configuration();
            ParquetCrypto.reading(dataProvidersBroker).forEach(jobB::set);
            assertThatThrownBy(() -> EncryptedRows.readAll(dir, jobB)).hasStackTraceContaining("not_in_scope");
        } finally {
            DataKeyServices.unregister(dataProvidersBroker, refused);
        }
    }
}
