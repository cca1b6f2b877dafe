package dev.veil.spark.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: a file's decryption is held to the task's binding ({@link TaskKeyServices}), which Spark's task context
 * carries; but the context is the task thread's own, and a thread with none was taken for the data provider's own
 * process, which may decrypt. With {@code mergeSchema} and no schema given, Spark reads the footers on the executors in
 * a pool of its own ({@code readingParquetFooters}), outside any task: an enclave instance's name, in the driver's read
 * options, decrypted the dataset's footers there. Now a dataset an instance registered decrypts only in a task bound to
 * it; only the data provider's own read ({@link EncryptedRows#readDataset}) decrypts outside Spark's tasks. This stands
 * in for Spark's footer pool with a plain thread.
 */
class FooterReadOutsideAnyTaskAttackTest {
    @TempDir
    Path tmp;

    @Test
    void anInstancesDatasetDecryptsNothingOutsideATaskAndTheDataProvidersOwnReadStillDoes() throws Exception {
        String name = "http://127.0.0.1:1/dp#veil-job:" + UUID.randomUUID();
        LocalMasterKeys keys = new LocalMasterKeys();
        DataKeyServices.register(name, keys);
        Configuration conf = ParquetCrypto.apply(new Configuration(), name, "m");
        Path data = Files.createDirectory(tmp.resolve("data"));
        EncryptedRows.writeDataset(data, RowCells.split(NamedTensors.of(Tensor.ofFloats("x", new long[] {4, 3}, new float[12]))), 2, conf);
        List<String> listed = EncryptedRows.parquetFiles(data).stream().map(p -> new org.apache.hadoop.fs.Path(p.toUri()).toString()).toList();
        // as an enclave instance's inference task registers it, under its job's name
        BoundDatasetDecryption.register(name, DatasetFiles.manifest(data), listed);
        ExecutorService footers = Executors.newSingleThreadExecutor(r -> new Thread(r, "readingParquetFooters-0"));
        try {
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(listed.get(0));
            assertThatThrownBy(() -> footers.submit(() -> new BoundDatasetDecryption().getFileDecryptionProperties(conf, file)).get())
                    .as("a footer of an instance's dataset read in a thread of no task")
                    .hasStackTraceContaining("decrypted only in its task, while the instance reads");
        } finally {
            footers.shutdownNow();
            DataKeyServices.unregister(name, keys);   // the instance closes: its service, and the dataset read under it, go
        }

        DataKeyServices.register(name, keys);
        try {
            assertThat(EncryptedRows.readDataset(data, conf)).as("the data provider's own read of its dataset").hasSize(4);
        } finally {
            DataKeyServices.unregister(name, keys);
        }
    }
}
