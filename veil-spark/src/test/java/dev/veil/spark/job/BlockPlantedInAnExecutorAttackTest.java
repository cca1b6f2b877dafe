package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.SignedContract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: a process on the network (not the cluster manager, which hands the executors their secret:
 * BlockPlantedByTheClusterManagerAttackTest) connects to an
 * executor's block manager and stores a block under a broadcast id the driver will use next: Spark's RPC TLS asks no
 * client certificate, and an executor that finds a broadcast's block locally runs it as the task's code without a
 * checksum. The application authenticates every connection by the secret the attested driver drew
 * ({@code spark.authenticate}, DriverTls), so the upload is refused; without it (the control) the same upload is
 * stored.
 */
class BlockPlantedInAnExecutorAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aBlockUploadWithoutTheApplicationsSecretIsRefused() throws Exception {
        SignedContract contract = new ExecutorContract().signed;
        try (DriverInstance driver = new DriverInstance(contract); DriverInstance attacker = new DriverInstance(contract)) {
            assertThatThrownBy(() -> plantUnder(driver.sparkSettings(), "authenticated", attacker))
                    .as("an upload to an executor of an application that authenticates its connections").isNotNull();

            Map<String, String> unauthenticated = new LinkedHashMap<>(driver.sparkSettings());
            unauthenticated.remove("spark.authenticate");
            unauthenticated.remove("spark.authenticate.secret");
            assertThatCode(() -> plantUnder(unauthenticated, "unauthenticated", attacker))
                    .as("the same upload, to an application that does not (the attack this stops)").doesNotThrowAnyException();
        }
    }

    /** Starts an application with {@code settings} and uploads a broadcast block to one of its executors, as an outsider. */
    private void plantUnder(Map<String, String> settings, String name, DriverInstance outsider) throws Exception {
        Path dir = tmp.resolve(name);
        SparkCluster.Dirs dirs = new SparkCluster.Dirs(dir.resolve("events"), dir.resolve("local"), dir.resolve("executor-tmp"));
        try (SparkSession spark = SparkCluster.start(name, dirs, settings)) {
            RegisteredExecutors.await(spark.sparkContext(), Duration.ofSeconds(60));
            // the outsider speaks TLS (any key of its own; it trusts any server) but holds no secret of the application
            BlockUploader.plant(spark, outsider.sparkSettings(), null);
        }
    }
}
