package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.spark.parquet.DatasetFiles;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: Spark SQL's {@code reflect()} (and {@code java_method()}) calls, on the executors, any public static method
 * whose parameters are strings or primitives, from an expression the driver writes. {@code TaskKeyServices.bind(String)}
 * was one: a driver bound a task of no instance to job A's key service by name and read job A's files there, their
 * plaintext rows to itself. So were {@code ExecutorInstance.close(String)} (another job's instance closed under it),
 * {@code DataKeyServices.unregister(String)} and {@code BoundDatasetDecryption.unregister(String)} (another instance's
 * key service or dataset withdrawn). Now no public static method of veil-spark that changes what decrypts takes only
 * strings: a task is bound by the holder of the service itself, and the rest are not public or take the service; Spark
 * refuses each such expression as it analyses it, and job A's instance reads on as before.
 */
class TaskBindingItselfThroughSqlReflectAttackTest {
    @TempDir
    Path tmp;

    @Test
    void sqlReflectNeitherBindsATaskNorClosesOrWithdrawsAnInstance() throws Exception {
        try (LocalInstances jvm = new LocalInstances(tmp)) {
            DatasetFiles.Listed dataA = jvm.dataset("data-a");
            String jobA = jvm.attest("job-a");
            Map<String, String> underA = jvm.readingFor(jobA);
            String nameA = jvm.keyService(jobA);
            assertThat(jvm.infer(jvm.read(underA, dataA), jobA, dataA)).as("job A's own inference reads its files").hasSize(LocalInstances.ROWS);

            // a task of no instance binds itself to job A's key service, then reads job A's files in the same task
            assertThatThrownBy(() -> {
                JavaRDD<Row> bound = jvm.spark.range(1).selectExpr(reflect("dev.veil.spark.parquet.TaskKeyServices", "bind", nameA))
                        .javaRDD().coalesce(1);
                bound.zipPartitions(jvm.read(underA, dataA).javaRDD().coalesce(1), TaskBindingItselfThroughSqlReflectAttackTest::thenRows)
                        .collect();
            }).as("a task bound to job A's key service through reflect()").hasStackTraceContaining("UNEXPECTED_STATIC_METHOD");
            for (String[] call : List.of(
                    new String[] {"dev.veil.spark.job.ExecutorInstance", "close", jobA},
                    new String[] {"dev.veil.spark.parquet.DataKeyServices", "unregister", nameA},
                    new String[] {"dev.veil.spark.parquet.BoundDatasetDecryption", "unregister", nameA})) {
                assertThatThrownBy(() -> jvm.spark.range(1).selectExpr(reflect(call[0], call[1], call[2])).collectAsList())
                        .as("%s.%s through reflect()", call[0], call[1]).hasStackTraceContaining("UNEXPECTED_STATIC_METHOD");
            }

            assertThat(jvm.infer(jvm.read(underA, dataA), jobA, dataA)).as("job A's instance, service and dataset, still there")
                    .hasSize(LocalInstances.ROWS);
        }
    }

    private static String reflect(String className, String method, String argument) {
        return "reflect('" + className + "', '" + method + "', '" + argument + "')";
    }

    /** The reflect() row (its call made), then the read's rows. */
    private static Iterator<Row> thenRows(Iterator<Row> called, Iterator<Row> rows) {
        called.forEachRemaining(r -> { });
        return rows;
    }
}
