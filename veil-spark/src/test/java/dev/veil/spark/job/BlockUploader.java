package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.client.TransportClientBootstrap;
import org.apache.spark.network.crypto.AuthClientBootstrap;
import org.apache.spark.network.sasl.SecretKeyHolder;
import org.apache.spark.network.server.NoOpRpcHandler;
import org.apache.spark.network.shuffle.protocol.UploadBlock;
import org.apache.spark.network.util.MapConfigProvider;
import org.apache.spark.network.util.TransportConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * Stores a block in an executor's block manager from outside the application, as Spark's own block replication does:
 * an {@code UploadBlock} under a broadcast id the driver has not used, over TLS under a key of the uploader's own (Spark's
 * RPC TLS asks no client certificate), authenticated by the application's secret when the uploader holds it (the
 * cluster manager does). Throws when the executor refuses it.
 */
final class BlockUploader {
    private BlockUploader() {
    }

    /**
     * Uploads to an executor of {@code spark} (not the driver), speaking TLS with the key store of {@code tlsSettings}
     * (a Spark application's settings) and, when {@code secret} is not null, authenticating with it.
     */
    static void plant(SparkSession spark, Map<String, String> tlsSettings, String secret) throws Exception {
        String driversOwn = SparkEnv.get().blockManager().blockManagerId().hostPort();
        String executor = scala.jdk.javaapi.CollectionConverters.asJava(spark.sparkContext().getExecutorMemoryStatus()).keySet()
                .stream().filter(hostPort -> !hostPort.equals(driversOwn)).findFirst().orElseThrow();
        String host = executor.substring(0, executor.lastIndexOf(':'));
        int port = Integer.parseInt(executor.substring(executor.lastIndexOf(':') + 1));
        Map<String, String> own = new LinkedHashMap<>();
        for (String key : List.of("spark.ssl.rpc.enabled", "spark.ssl.rpc.keyStore", "spark.ssl.rpc.keyStorePassword",
                "spark.ssl.rpc.keyPassword")) {
            own.put(key, tlsSettings.get(key));
        }
        TransportConf conf = new TransportConf("shuffle", new MapConfigProvider(own));
        byte[] metadata = new JavaSerializer(new SparkConf()).newInstance().serialize(
                new Tuple2<>(StorageLevel.MEMORY_ONLY(), ClassTag$.MODULE$.apply(byte[].class)), ClassTag$.MODULE$.apply(Tuple2.class)).array();
        String appId = spark.sparkContext().applicationId();
        UploadBlock upload = new UploadBlock(appId, "0", "broadcast_9999_piece0", metadata, new byte[] {1, 2, 3});
        List<TransportClientBootstrap> auth = secret == null ? List.of() : List.of(new AuthClientBootstrap(conf, appId, new SecretKeyHolder() {
            @Override
            public String getSaslUser(String app) {
                return "sparkSaslUser";
            }

            @Override
            public String getSecretKey(String app) {
                return secret;
            }
        }));
        try (TransportContext context = new TransportContext(conf, new NoOpRpcHandler());
             var clients = context.createClientFactory(auth)) {
            TransportClient client = clients.createClient(host, port);
            ByteBuffer answer = client.sendRpcSync(upload.toByteBuffer(), 20_000);
            assertThat(answer).isNotNull();
        }
    }
}
