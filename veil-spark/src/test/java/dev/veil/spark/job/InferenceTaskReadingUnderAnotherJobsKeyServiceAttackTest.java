package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.receipt.FailureCode;
import dev.veil.spark.parquet.DatasetFiles;
import dev.veil.spark.parquet.ParquetCrypto;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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
    @TempDir
    Path tmp;

    @Test
    void aTaskReadingUnderAKeyServiceNotItsInstancesDecryptsNothing() throws Exception {
        try (LocalInstances jvm = new LocalInstances(tmp)) {
            DatasetFiles.Listed dataA = jvm.dataset("data-a");
            DatasetFiles.Listed dataB = jvm.dataset("data-b");
            // both jobs' instances in this executor JVM (local mode: the tasks run here), as their attestation stages made them
            String jobA = jvm.attest("job-a");
            String jobB = jvm.attest("job-b");
            Map<String, String> underA = jvm.readingFor(jobA);
            Map<String, String> underB = jvm.readingFor(jobB);
            assertThat(jvm.infer(jvm.read(underA, dataA), jobA, dataA)).as("job A's own task reads its files").hasSize(LocalInstances.ROWS);
            assertThat(jvm.infer(jvm.read(underB, dataB), jobB, dataB)).as("job B's own task reads its files").hasSize(LocalInstances.ROWS);

            // job B's inference stage as its driver would run it, but reading job A's files under job A's key service
            assertThatThrownBy(() -> jvm.infer(jvm.read(underA, dataA), jobB, dataB))
                    .as("job B's task given job A's files under job A's key service")
                    .satisfies(e -> assertThat(PartitionFailure.codeIn(e)).isEqualTo(FailureCode.DATASET_INVALID));
            // one task over job B's files and then job A's: each file the task opens is held to the task's instance
            Dataset<Row> spliced = jvm.read(underB, dataB).union(jvm.read(underA, dataA)).coalesce(1);
            assertThatThrownBy(() -> jvm.infer(spliced, jobB, dataB))
                    .as("job B's task reading job A's files after its own")
                    .satisfies(e -> assertThat(PartitionFailure.codeIn(e)).isEqualTo(FailureCode.DATASET_INVALID));
            assertThatThrownBy(() -> jvm.read(underA, dataA).collectAsList())
                    .as("a task of no instance collecting job A's rows for the driver")
                    .hasStackTraceContaining("decrypted only in its task, while the instance reads");
            // nor can the driver name Parquet's own decryption factory instead, which asks no binding: it cannot supply
            // the AAD prefix the dataset's files were written with (FileBinding), so they decrypt through no other
            Map<String, String> parquetsOwn = ParquetCrypto.reading(jvm.keyService(jobA));
            assertThatThrownBy(() -> jvm.infer(jvm.read(parquetsOwn, dataA), jobB, dataB))
                    .as("job B's task given job A's files under job A's key service through Parquet's own factory")
                    .satisfies(e -> assertThat(PartitionFailure.codeIn(e)).isEqualTo(FailureCode.DATASET_INVALID));
            assertThatThrownBy(() -> jvm.read(parquetsOwn, dataA).collectAsList())
                    .as("a task of no instance reading job A's files through Parquet's own factory")
                    .hasStackTraceContaining("AAD prefix");
        }
    }
}
