package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.spark.parquet.DatasetFiles;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: a task was bound to its instance's key service for as long as the task ran, not only while the instance read
 * its input. Job B's driver runs job B's inference ({@link PartitionInference}) over an empty partition, which binds the
 * task to job B's key service and reads nothing, and puts a plain read of job B's dataset into the same task (a union
 * coalesced into one partition, or zipped beside it): the read's files then decrypted under the task's binding, and its
 * plaintext rows went to the driver beside the model's results. Now the binding is open only while the instance reads
 * its input, which it reads whole before it returns: a file the task opens after that is refused, and nothing decrypts.
 */
class InferenceTaskExfiltratingRowsBesideItsModelAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aReadInTheTaskOfAnInstanceThatReadNothingDecryptsNothing() throws Exception {
        try (LocalInstances jvm = new LocalInstances(tmp)) {
            DatasetFiles.Listed dataB = jvm.dataset("data-b");
            String jobB = jvm.attest("job-b");
            Map<String, String> underB = jvm.readingFor(jobB);
            assertThat(jvm.infer(jvm.read(underB, dataB), jobB, dataB)).as("job B's own inference reads its files").hasSize(LocalInstances.ROWS);

            JavaSparkContext sc = JavaSparkContext.fromSparkContext(jvm.spark.sparkContext());
            // job B's instance over a partition of no rows: the task is bound to job B's key service and reads nothing
            JavaRDD<Row> ranOverNothing = sc.<Row>parallelize(List.of(), 1).mapPartitions(new PartitionInference(jobB, dataB.dataset(),
                    dataB.files(), jvm.spark.sparkContext().collectionAccumulator("receipts")));
            // in the same task, after it: job B's dataset read plainly, its rows to the driver
            JavaRDD<Row> plainRead = jvm.read(underB, dataB).javaRDD().coalesce(1);
            JavaRDD<Row> zipped = ranOverNothing.zipPartitions(plainRead, InferenceTaskExfiltratingRowsBesideItsModelAttackTest::thenRows);
            assertThatThrownBy(zipped::collect)
                    .as("job B's rows read in the task of its instance's run over nothing, zipped beside it")
                    .hasStackTraceContaining("decrypted only in its task, while the instance reads");
            JavaRDD<Row> unioned = ranOverNothing.union(jvm.read(underB, dataB).javaRDD()).coalesce(1);
            assertThatThrownBy(unioned::collect)
                    .as("job B's rows read in the task of its instance's run over nothing, unioned into it")
                    .hasStackTraceContaining("decrypted only in its task, while the instance reads");
        }
    }

    /** The instance's results (none), then the plain read's rows. */
    private static Iterator<Row> thenRows(Iterator<Row> results, Iterator<Row> rows) {
        results.forEachRemaining(r -> { });
        return rows;
    }
}
