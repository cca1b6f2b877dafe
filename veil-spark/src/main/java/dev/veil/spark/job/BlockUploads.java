package dev.veil.spark.job;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.BlockDataManager;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.storage.BlockId;
import scala.runtime.AbstractFunction1;

/**
 * A launched executor's block manager stores no block pushed to it over the network. Spark's block server stores any
 * block an authenticated peer uploads, and an executor that finds a broadcast's block locally runs it as a task's code
 * without a checksum; the secret that authenticates peers ({@code spark.authenticate}) reaches the executor through the
 * cluster manager, so the cluster manager could plant a task binary under a broadcast id the driver will use next. A
 * Veil job never needs an upload (no block replication, no decommissioning migration, no shuffle push): the block
 * server is built, before it starts, with a serializer that reads no upload's metadata ({@link #refuseUploadMetadata}:
 * Spark's would deserialize it, Java serialization, before storing the block), so no connection it ever accepts has
 * any of an upload deserialized; once the executor registered, its handler refuses uploads by their type ({@link
 * UploadRefusingHandler}), its store refuses them on connections opened before that, reads go through, and an executor
 * whose block manager holds any block when that is done, or at its first task, is refused.
 *
 * <p>Spark 4.2 keeps the store in private fields ({@code NettyBlockTransferService.transportContext},
 * {@code TransportContext.rpcHandler}, {@code TransportServer.appRpcHandler}, {@code NettyBlockRpcServer.blockManager});
 * anything but that shape is refused.
 * Both fields are final: written by reflection once, before the executor takes a task.
 */
final class BlockUploads {
    private static final String SERVER = "org.apache.spark.network.netty.NettyBlockRpcServer";

    private BlockUploads() {
    }

    /** Why the executor's block server could not be closed to uploads. */
    static final class NotClosed extends Exception {
        private static final long serialVersionUID = 1L;

        NotClosed(String message) {
            super(message);
        }
    }

    /**
     * Before {@code env}'s block server starts (at the executor's registration), has it built with a serializer that reads
     * no upload's metadata ({@link UploadMetadataRefused}); refused when the server runs already.
     */
    static void refuseUploadMetadata(SparkEnv env) throws NotClosed {
        refuseUploadMetadata(env.blockManager().blockTransferService());
    }

    /** As {@link #refuseUploadMetadata(SparkEnv)}, on the block transfer service {@code service}. */
    static void refuseUploadMetadata(Object service) throws NotClosed {
        if (field(service, "org$apache$spark$network$netty$NettyBlockTransferService$$server") != null) {
            throw new NotClosed("Spark's block server runs already: its uploads' metadata would be deserialized");
        }
        try {
            declared(service.getClass(), "serializer").set(service, new UploadMetadataRefused());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new NotClosed("Spark's block transfer is not set up as Spark 4.2 sets it up (its serializer)");
        }
    }

    /** Closes {@code env}'s block server to uploads; refused when its block manager holds a block already. */
    static void close(SparkEnv env) throws NotClosed {
        Object context = field(env.blockManager().blockTransferService(), "transportContext");
        Object server = field(context, "rpcHandler");
        if (server == null || !server.getClass().getName().equals(SERVER)) {
            throw new NotClosed("Spark's block server is not set up as Spark 4.2 sets it up");
        }
        Object transportServer = field(env.blockManager().blockTransferService(),
                "org$apache$spark$network$netty$NettyBlockTransferService$$server");
        Field store = declared(server.getClass(), "blockManager");
        Field handler = declared(context.getClass(), "rpcHandler");
        Field serverHandler = declared(transportServer.getClass(), "appRpcHandler");
        try {
            // connections from now on (the block server's channels take their handler from the server, the executor's own
            // from the context): uploads refused before their metadata is deserialized
            RpcHandler refusing = new UploadRefusingHandler((RpcHandler) server);
            serverHandler.set(transportServer, refusing);
            handler.set(context, refusing);
            // and any opened before this, which keep Spark's handler: nothing stored
            BlockDataManager manager = (BlockDataManager) store.get(server);
            store.set(server, readOnly(manager));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new NotClosed("Spark's block server cannot be closed to uploads");
        }
        requireNoBlocks(env);
    }

    /**
     * Refused when {@code env}'s block manager holds any block: before the first task, an executor has fetched none, so a
     * block there was uploaded (in the moment between the block server's start and {@link #close}).
     */
    static void requireNoBlocks(SparkEnv env) throws NotClosed {
        int held = env.blockManager().getMatchingBlockIds(new AbstractFunction1<BlockId, Object>() {
            @Override
            public Object apply(BlockId id) {
                return Boolean.TRUE;
            }
        }).size();
        if (held != 0) {
            throw new NotClosed("this executor's block manager holds " + held + " block(s) before its first task");
        }
    }

    /** {@code manager}, with every method that stores a block refused. */
    private static BlockDataManager readOnly(BlockDataManager manager) {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().startsWith("putBlockData")) {
                throw new SecurityException("this executor's block store takes no upload");
            }
            try {
                return method.invoke(manager, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (BlockDataManager) Proxy.newProxyInstance(BlockDataManager.class.getClassLoader(), new Class<?>[] {BlockDataManager.class}, h);
    }

    private static Object field(Object owner, String name) throws NotClosed {
        if (owner == null) {
            throw new NotClosed("Spark's block server is not set up as Spark 4.2 sets it up");
        }
        try {
            return declared(owner.getClass(), name).get(owner);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new NotClosed("Spark's block server is not set up as Spark 4.2 sets it up (no " + name + ")");
        }
    }

    private static Field declared(Class<?> type, String name) throws NotClosed {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f;
            } catch (NoSuchFieldException e) {
                // a superclass may declare it
            } catch (RuntimeException e) {
                break;
            }
        }
        throw new NotClosed("Spark's block server is not set up as Spark 4.2 sets it up (no " + name + ")");
    }
}
