package dev.veil.spark.parquet;

import java.util.Map;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The key services this process may use, by the broker URL Parquet names as its KMS instance. Parquet creates its
 * {@link VeilKmsClient} by reflection with no arguments, so the client finds its service here: an enclave instance
 * registers a broker's service only once that broker released to it, and nothing else can open the files.
 */
public final class DataKeyServices {
    private static final Map<String, DataKeyService> BY_URL = new ConcurrentHashMap<>();

    private DataKeyServices() {
    }

    public static void register(String brokerUrl, DataKeyService service) {
        BY_URL.put(brokerUrl, service);
    }

    /**
     * Withdraws the service, and Parquet's caches of what it unwrapped: Parquet keeps key-encryption keys and KMS clients
     * per access token (the broker URL, {@link ParquetCrypto#reading}) for ten minutes, which would let this process
     * read the broker's files after its instance closed.
     */
    public static void unregister(String brokerUrl) {
        BY_URL.remove(brokerUrl);
        KeyToolkit.removeCacheEntriesForToken(brokerUrl);
    }

    /** The service for this broker, or null when this process was never given one. */
    static DataKeyService find(String brokerUrl) {
        return brokerUrl == null ? null : BY_URL.get(brokerUrl);
    }
}
