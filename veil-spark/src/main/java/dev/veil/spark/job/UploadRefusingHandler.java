package dev.veil.spark.job;

import java.nio.ByteBuffer;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.StreamCallbackWithID;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.StreamManager;
import org.apache.spark.network.shuffle.protocol.BlockTransferMessage;

/**
 * A launched executor's block server, refusing block uploads by their message type before anything of them is decoded:
 * Spark's block server reads an upload's metadata with Java serialization before it stores the block, and whoever holds
 * the application's secret (the cluster manager) could send one at any time. Reads (other executors' and the driver's
 * block fetches) go to Spark's handler unchanged ({@link BlockUploads}).
 */
final class UploadRefusingHandler extends RpcHandler {
    private final RpcHandler spark;

    UploadRefusingHandler(RpcHandler spark) {
        this.spark = spark;
    }

    @Override
    public void receive(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
        if (message.remaining() > 0 && message.get(message.position()) == BlockTransferMessage.Type.UPLOAD_BLOCK.id()) {
            callback.onFailure(new SecurityException("this executor refuses block uploads"));
            return;
        }
        spark.receive(client, message, callback);
    }

    /** Only uploads come as streams to a block server: refused, which closes the connection (Spark's handler does). */
    @Override
    public StreamCallbackWithID receiveStream(TransportClient client, ByteBuffer header, RpcResponseCallback callback) {
        throw new SecurityException("this executor refuses block uploads");
    }

    @Override
    public StreamManager getStreamManager() {
        return spark.getStreamManager();
    }

    @Override
    public void receive(TransportClient client, ByteBuffer message) {
        spark.receive(client, message);
    }

    @Override
    public MergedBlockMetaReqHandler getMergedBlockMetaReqHandler() {
        return spark.getMergedBlockMetaReqHandler();
    }

    @Override
    public void channelActive(TransportClient client) {
        spark.channelActive(client);
    }

    @Override
    public void channelInactive(TransportClient client) {
        spark.channelInactive(client);
    }

    @Override
    public void exceptionCaught(Throwable cause, TransportClient client) {
        spark.exceptionCaught(cause, client);
    }
}
