package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SecurityManager;
import org.apache.spark.SecurityManager$;
import org.apache.spark.SparkConf;
import org.apache.spark.network.BlockDataManager;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.netty.NettyBlockTransferService;
import org.apache.spark.network.server.NoOpRpcHandler;
import org.apache.spark.network.shuffle.protocol.UploadBlock;
import org.apache.spark.network.util.MapConfigProvider;
import org.apache.spark.network.util.TransportConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.SerializerManager;
import org.junit.jupiter.api.Test;
import scala.Option;

/**
 * Attack: whoever holds the application's secret (the cluster manager) connects to a launched executor's block server
 * in the moment it starts, before the executor has swapped in the handler that refuses uploads, and sends an upload
 * whose metadata is a serialized object of its choice: Spark's block server deserializes that metadata (Java
 * serialization) before anything refuses the block, so a gadget's {@code readObject} would run in the instance. The
 * block transfer service of a launched executor is given, before its server starts, a serializer that reads nothing
 * ({@link BlockUploads#refuseUploadMetadata}): here the server runs Spark's own handler, as in that moment, and the
 * upload's object is never read, nor its block stored.
 */
class UploadMetadataDeserializedAtTheBlockServersStartAttackTest {
    /** Set when an instance is deserialized: the gadget's stand-in. */
    static final AtomicBoolean READ = new AtomicBoolean();

    /** An object whose deserialization is observable. */
    static final class Tripwire implements Serializable {
        private static final long serialVersionUID = 1L;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            READ.set(true);
            in.defaultReadObject();
        }
    }

    @Test
    void anUploadsMetadataIsNeverDeserializedByALaunchedExecutorsBlockServer() throws Exception {
        SparkConf conf = new SparkConf(false).set("spark.app.id", "app-under-attack");
        SecurityManager security = new SecurityManager(conf, Option.empty(), SecurityManager$.MODULE$.$lessinit$greater$default$3());
        NettyBlockTransferService service = new NettyBlockTransferService(conf, security,
                new SerializerManager(new JavaSerializer(conf), conf, Option.empty()), "127.0.0.1", "127.0.0.1", 0, 1, null);
        BlockUploads.refuseUploadMetadata(service);
        AtomicInteger stored = new AtomicInteger();
        service.init((BlockDataManager) Proxy.newProxyInstance(BlockDataManager.class.getClassLoader(),
                new Class<?>[] {BlockDataManager.class}, (proxy, method, args) -> {
                    if (method.getName().startsWith("putBlockData")) {
                        stored.incrementAndGet();
                        return true;
                    }
                    throw new UnsupportedOperationException(method.getName());
                }));
        READ.set(false);
        Throwable answer;
        try (TransportContext context = new TransportContext(new TransportConf("shuffle", new MapConfigProvider(Map.of())),
                new NoOpRpcHandler());
             var clients = context.createClientFactory()) {
            TransportClient client = clients.createClient("127.0.0.1", service.port());
            UploadBlock upload = new UploadBlock("app-under-attack", "0", "broadcast_9999_piece0", serialized(new Tripwire()),
                    new byte[] {1, 2, 3});
            answer = catchThrowable(() -> client.sendRpcSync(upload.toByteBuffer(), 20_000));
        } finally {
            service.close();
        }
        assertThat(READ.get()).as("the upload's metadata object was deserialized").isFalse();
        assertThat(stored.get()).as("blocks stored").isZero();
        assertThat(answer).as("the upload's answer").hasMessageContaining("takes and makes no block upload");
    }

    /** A block transfer service whose server runs already is refused: its uploads' metadata would be read. */
    @Test
    void aBlockServerThatRunsAlreadyIsRefused() throws Exception {
        SparkConf conf = new SparkConf(false).set("spark.app.id", "app-started");
        SecurityManager security = new SecurityManager(conf, Option.empty(), SecurityManager$.MODULE$.$lessinit$greater$default$3());
        NettyBlockTransferService service = new NettyBlockTransferService(conf, security,
                new SerializerManager(new JavaSerializer(conf), conf, Option.empty()), "127.0.0.1", "127.0.0.1", 0, 1, null);
        service.init((BlockDataManager) Proxy.newProxyInstance(BlockDataManager.class.getClassLoader(),
                new Class<?>[] {BlockDataManager.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                }));
        try {
            assertThatThrownBy(() -> BlockUploads.refuseUploadMetadata(service)).isInstanceOf(BlockUploads.NotClosed.class)
                    .hasMessageContaining("runs already");
        } finally {
            service.close();
        }
    }

    private static byte[] serialized(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }
}
