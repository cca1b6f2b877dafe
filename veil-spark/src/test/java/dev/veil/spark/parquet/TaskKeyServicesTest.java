package dev.veil.spark.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task's binding to its instance's key service: bound only by the service's holder, one service per task, in force
 * only while the instance's read is open and in its task only, gone when the task ends.
 */
class TaskKeyServicesTest {
    @TempDir
    Path tmp;

    @Test
    void aTaskDecryptsUnderItsOwnBindingWhileItsReadIsOpenAndTheBindingEndsWithTheTask() throws Exception {
        String prefix = "service-" + UUID.randomUUID() + "-";
        try (SparkSession spark = SparkSession.builder().master("local[2]").appName("veil task key services")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.local.dir", tmp.toString()).getOrCreate()) {
            List<Long> attempts = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(0, 1, 2, 3), 4)
                    .map(i -> {
                        String own = prefix + i;
                        String next = prefix + (i + 1);
                        DataKeyService service = new LocalMasterKeys();
                        DataKeyServices.register(own, service);
                        try {
                            check(!TaskKeyServices.mayDecrypt(own, true), "a task bound to nothing decrypted");
                            refused(() -> TaskKeyServices.bind(own, new LocalMasterKeys()), "a task bound by a service not the name's");
                            try (TaskKeyServices.Read read = TaskKeyServices.bind(own, service);
                                 TaskKeyServices.Read again = TaskKeyServices.bind(own, service)) {   // one instance, two reads
                                check(TaskKeyServices.mayDecrypt(own, false) && !TaskKeyServices.mayDecrypt(next, true),
                                        "a task decrypted under another binding than its own");
                                refused(() -> TaskKeyServices.bind(next, service), "a task bound to a second key service");
                                read.close();
                                read.close();   // closing twice ends one read only
                                check(TaskKeyServices.mayDecrypt(own, false), "a read's end ended another read");
                            }
                            check(!TaskKeyServices.mayDecrypt(own, true), "a task decrypted after its instance's reads ended");
                            try (TaskKeyServices.Read later = TaskKeyServices.bind(own, service)) {
                                check(TaskKeyServices.mayDecrypt(own, false), "the instance's next read in the task decrypted nothing");
                            }
                        } finally {
                            DataKeyServices.unregister(own, service);
                        }
                        return TaskContext.get().taskAttemptId();
                    }).collect();

            assertThat(attempts).hasSize(4).allSatisfy(a -> assertThat(TaskKeyServices.boundTo(a)).as("task %d's binding", a).isNull());
        }
        String name = prefix + "driver";
        DataKeyService service = new LocalMasterKeys();
        DataKeyServices.register(name, service);
        try {
            assertThatThrownBy(() -> TaskKeyServices.bind(name, service)).as("outside a task").isInstanceOf(IllegalStateException.class);
            assertThat(TaskKeyServices.mayDecrypt(name, false)).as("an instance's name outside a task").isFalse();
            assertThat(TaskKeyServices.mayDecrypt(name, true)).as("the data provider's own name outside a task").isTrue();
        } finally {
            DataKeyServices.unregister(name, service);
        }
    }

    private static void check(boolean holds, String otherwise) {
        if (!holds) {
            throw new AssertionError(otherwise);
        }
    }

    private static void refused(Runnable binding, String otherwise) {
        try {
            binding.run();
        } catch (IllegalStateException expected) {
            return;
        }
        throw new AssertionError(otherwise);
    }
}
