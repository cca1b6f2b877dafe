package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: the cluster manager, which hands every executor the application's authentication secret ({@code
 * spark.authenticate}), connects to an executor's block manager with it and stores a block under a broadcast id the
 * driver will use next: an executor that finds a broadcast's block locally runs it as the task's code without a
 * checksum. An executor started by Veil's launcher stores no uploaded block ({@link BlockUploads}); Spark's own executor
 * (the control, on {@code local-cluster}) stores it.
 */
class BlockPlantedByTheClusterManagerAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aBlockUploadWithTheApplicationsSecretIsRefusedByALaunchedExecutor() throws Exception {
        try (DriverInstance driver = new DriverInstance(new ExecutorContract().signed)) {
            Map<String, String> settings = driver.sparkSettings();
            String secret = settings.get("spark.authenticate.secret");

            Path control = tmp.resolve("spark-executor");
            try (SparkSession spark = SparkCluster.start("spark's executor", dirs(control), settings)) {
                RegisteredExecutors.await(spark.sparkContext(), Duration.ofSeconds(60));
                assertThatCode(() -> BlockUploader.plant(spark, settings, secret))
                        .as("the upload, to Spark's own executor (the attack this stops)").doesNotThrowAnyException();
            }

            Path launched = tmp.resolve("launched-executor");
            Map<String, String> workerless = new LinkedHashMap<>(settings);
            workerless.put("spark.executor.instances", "1");
            try (SparkSession spark = SparkCluster.start("launched executor", dirs(launched), workerless, 0);
                 LaunchedExecutor executor = LaunchedExecutor.start(spark.sparkContext(), "1",
                         LaunchedExecutor.startupSettings(settings), launched.resolve("executor"))) {
                assertThat(RegisteredExecutors.await(spark.sparkContext(), Duration.ofSeconds(120)))
                        .as("the launched executor registered; its output:\n" + executor.output()).hasSize(1);
                // a task run there first: the executor has then handled its registration, which closes its block server
                // (a connection opened before that keeps Spark's handler, whose store still refuses: docs/SCALE-OUT.md)
                assertThat(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(1), 1).count()).isEqualTo(1);
                // refused by the block server's handler, before Spark would deserialize the upload's metadata
                assertThatThrownBy(() -> BlockUploader.plant(spark, settings, secret))
                        .as("the same upload, to an executor Veil's launcher started")
                        .hasMessageContaining("this executor refuses block uploads");
                assertThat(executor.alive()).as("the executor runs on").isTrue();
            }
        }
    }

    private static SparkCluster.Dirs dirs(Path dir) {
        return new SparkCluster.Dirs(dir.resolve("events"), dir.resolve("local"), dir.resolve("executor-tmp"));
    }
}
