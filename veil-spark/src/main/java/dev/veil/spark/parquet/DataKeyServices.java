package dev.veil.spark.parquet;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.parquet.crypto.keytools.KeyToolkit;

/**
 * The key services this process may use, by the name Parquet gives as its KMS instance ({@link ParquetCrypto#reading}).
 * Parquet creates its {@link VeilKmsClient} by reflection with no arguments, so the client finds its service here: an
 * enclave instance registers a broker's service only once that broker released to it, and nothing else can open the
 * files. A name is not the URL the service talks to (each service holds its own): one executor JVM holds instances of
 * several jobs at once, and Parquet caches what it unwrapped per name, so each job's instance reads under a name of its
 * own ({@link #forJob}).
 */
public final class DataKeyServices {
    private static final Map<String, DataKeyService> BY_NAME = new ConcurrentHashMap<>();

    private DataKeyServices() {
    }

    /**
     * The name an instance of job {@code jobId} under the contract {@code contractHashHex} reads the data provider's
     * dataset by: the broker's URL, the contract and the job. Parquet keeps unwrapped key-encryption keys per name, so
     * another job's instance in this JVM (another contract the broker may refuse these keys) never reads with them.
     */
    public static String forJob(String brokerUrl, String contractHashHex, String jobId) {
        return brokerUrl + "#veil-job:" + contractHashHex + ":" + jobId;
    }

    /**
     * Registers {@code service} under {@code name}; refuses a name that holds another service already, so that no
     * instance replaces (or, when it closes, withdraws) another instance's service.
     */
    public static void register(String name, DataKeyService service) {
        DataKeyService existing = BY_NAME.putIfAbsent(name, service);
        if (existing != null && existing != service) {
            throw new IllegalStateException("this process holds another key service under the name " + name);
        }
    }

    /**
     * Withdraws {@code service} under {@code name} when it is the one registered there, with Parquet's caches of what it
     * unwrapped (Parquet keeps key-encryption keys and KMS clients per access token, the name ({@link ParquetCrypto#reading}),
     * for ten minutes, which would let this process read the broker's files after its instance closed) and the dataset
     * read under the name ({@link BoundDatasetDecryption}); leaves another's service, caches and dataset alone. Only the
     * holder of the service withdraws it: Spark SQL's {@code reflect()} calls public static methods of strings on
     * executors, so a name alone withdraws nothing.
     */
    public static void unregister(String name, DataKeyService service) {
        if (BY_NAME.remove(name, service)) {
            KeyToolkit.removeCacheEntriesForToken(name);
            BoundDatasetDecryption.unregister(name);
        }
    }

    /** The service registered under this name, or null when this process was never given one. */
    static DataKeyService find(String name) {
        return name == null ? null : BY_NAME.get(name);
    }
}
