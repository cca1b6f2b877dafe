package dev.veil.spark.job;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.Serializer;
import org.apache.spark.serializer.SerializerInstance;
import scala.reflect.ClassTag;

/**
 * The serializer a launched executor's block transfer service runs with ({@link BlockUploads#refuseUploadMetadata}): it
 * serializes and deserializes nothing. Spark's block server uses its service's serializer for one thing only, reading an
 * uploaded block's metadata (Java serialization, before the block is stored), and its client for one thing only,
 * writing that metadata when it uploads a block to a peer (replication, which a Veil job never asks for). So with
 * this one an upload fails before any byte of it is deserialized, on every connection the server ever accepts.
 */
final class UploadMetadataRefused extends Serializer {
    @Override
    public SerializerInstance newInstance() {
        return new SerializerInstance() {
            @Override
            public <T> ByteBuffer serialize(T t, ClassTag<T> tag) {
                throw refused();
            }

            @Override
            public <T> T deserialize(ByteBuffer bytes, ClassTag<T> tag) {
                throw refused();
            }

            @Override
            public <T> T deserialize(ByteBuffer bytes, ClassLoader loader, ClassTag<T> tag) {
                throw refused();
            }

            @Override
            public SerializationStream serializeStream(OutputStream s) {
                throw refused();
            }

            @Override
            public DeserializationStream deserializeStream(InputStream s) {
                throw refused();
            }
        };
    }

    private static SecurityException refused() {
        return new SecurityException("this executor's block transfer takes and makes no block upload");
    }
}
