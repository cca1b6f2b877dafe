package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.SignedContract;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.server.NoOpRpcHandler;
import org.apache.spark.network.shuffle.protocol.UploadBlock;
import org.apache.spark.network.util.MapConfigProvider;
import org.apache.spark.network.util.TransportConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * Attack: a process on the network (not the cluster manager, which hands the executors their secret) connects to an
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
            String driversOwn = SparkEnv.get().blockManager().blockManagerId().hostPort();
            String executor = scala.jdk.javaapi.CollectionConverters.asJava(spark.sparkContext().getExecutorMemoryStatus()).keySet()
                    .stream().filter(hostPort -> !hostPort.equals(driversOwn)).findFirst().orElseThrow();
            String host = executor.substring(0, executor.lastIndexOf(':'));
            int port = Integer.parseInt(executor.substring(executor.lastIndexOf(':') + 1));
            // the outsider speaks TLS (any key of its own; it trusts any server) but holds no secret of the application
            Map<String, String> outsiders = new LinkedHashMap<>();
            Map<String, String> own = outsider.sparkSettings();
            for (String key : List.of("spark.ssl.rpc.enabled", "spark.ssl.rpc.keyStore", "spark.ssl.rpc.keyStorePassword",
                    "spark.ssl.rpc.keyPassword")) {
                outsiders.put(key, own.get(key));
            }
            TransportConf conf = new TransportConf("shuffle", new MapConfigProvider(outsiders));
            byte[] metadata = new JavaSerializer(new SparkConf()).newInstance().serialize(
                    new Tuple2<>(StorageLevel.MEMORY_ONLY(), ClassTag$.MODULE$.apply(byte[].class)), ClassTag$.MODULE$.apply(Tuple2.class)).array();
            UploadBlock upload = new UploadBlock(spark.sparkContext().applicationId(), "0", "broadcast_9999_piece0", metadata,
                    new byte[] {1, 2, 3});
            try (TransportContext context = new TransportContext(conf, new NoOpRpcHandler());
                 var clients = context.createClientFactory()) {
                TransportClient client = clients.createClient(host, port);
                ByteBuffer answer = client.sendRpcSync(upload.toByteBuffer(), 20_000);
                assertThat(answer).isNotNull();
            }
        }
    }
}
