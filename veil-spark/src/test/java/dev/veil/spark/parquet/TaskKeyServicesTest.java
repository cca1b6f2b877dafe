package dev.veil.spark.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task's binding to its instance's key service: one per task, in force in the task only, gone when the task ends. */
class TaskKeyServicesTest {
    @TempDir
    Path tmp;

    @Test
    void aTaskDecryptsUnderItsOwnBindingOnlyAndTheBindingEndsWithTheTask() throws Exception {
        try (SparkSession spark = SparkSession.builder().master("local[2]").appName("veil task key services")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.local.dir", tmp.toString()).getOrCreate()) {
            List<Long> attempts = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(0, 1, 2, 3), 4)
                    .map(i -> {
                        String own = "service-" + i;
                        if (TaskKeyServices.mayDecrypt(own)) {
                            throw new AssertionError("a task bound to nothing decrypted");
                        }
                        TaskKeyServices.bind(own);
                        TaskKeyServices.bind(own);   // the same binding again: a task reads for one instance
                        if (!TaskKeyServices.mayDecrypt(own) || TaskKeyServices.mayDecrypt("service-" + (i + 1))) {
                            throw new AssertionError("a task decrypted under another binding than its own");
                        }
                        try {
                            TaskKeyServices.bind("service-" + (i + 1));
                            throw new AssertionError("a task was bound to a second key service");
                        } catch (IllegalStateException refused) {
                            // refused, as it should be
                        }
                        return TaskContext.get().taskAttemptId();
                    }).collect();

            assertThat(attempts).hasSize(4).allSatisfy(a -> assertThat(TaskKeyServices.boundTo(a)).as("task %d's binding", a).isNull());
        }
        assertThatThrownBy(() -> TaskKeyServices.bind("service-0")).as("outside a task").isInstanceOf(IllegalStateException.class);
    }
}
