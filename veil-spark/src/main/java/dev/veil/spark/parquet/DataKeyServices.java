package dev.veil.spark.parquet;

import java.util.Map;
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

    public static void unregister(String brokerUrl) {
        BY_URL.remove(brokerUrl);
    }

    /** The service for this broker, or null when this process was never given one. */
    static DataKeyService find(String brokerUrl) {
        return brokerUrl == null ? null : BY_URL.get(brokerUrl);
    }
}
