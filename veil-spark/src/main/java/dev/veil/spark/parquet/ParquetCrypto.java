package dev.veil.spark.parquet;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory;

/**
 * The Hadoop settings that make Parquet encrypt (and decrypt) with its own modular encryption: AES-GCM for the footer
 * and every column (no plaintext footer, so the schema's key-value metadata is encrypted too), one master key of the
 * data provider's broker for all of them, wrapped through {@link VeilKmsClient}.
 */
public final class ParquetCrypto {
    /** The data provider's master key Veil's files are encrypted under, by name (the key itself stays in the broker). */
    public static final String DATA_PROVIDER_MASTER_KEY = "veil-dp";

    private ParquetCrypto() {
    }

    /** Sets, on {@code conf}, encryption and decryption through the broker at {@code brokerUrl}. */
    public static Configuration apply(Configuration conf, String brokerUrl) {
        for (var e : properties(brokerUrl).entrySet()) {
            conf.set(e.getKey(), e.getValue());
        }
        return conf;
    }

    /** The same settings as names and values, for Spark's Hadoop configuration. */
    public static java.util.Map<String, String> properties(String brokerUrl) {
        return java.util.Map.of(
                "parquet.crypto.factory.class", PropertiesDrivenCryptoFactory.class.getName(),
                KeyToolkit.KMS_CLIENT_CLASS_PROPERTY_NAME, VeilKmsClient.class.getName(),
                KeyToolkit.KMS_INSTANCE_URL_PROPERTY_NAME, brokerUrl,
                // Parquet caches KMS clients per access token and instance id, and key-encryption keys per access
                // token and master key name: the broker's URL as both keeps two brokers' keys apart in one process
                KeyToolkit.KMS_INSTANCE_ID_PROPERTY_NAME, brokerUrl,
                KeyToolkit.KEY_ACCESS_TOKEN_PROPERTY_NAME, brokerUrl,
                KeyToolkit.DATA_KEY_LENGTH_PROPERTY_NAME, "256",
                KeyToolkit.KEK_LENGTH_PROPERTY_NAME, "256",
                PropertiesDrivenCryptoFactory.UNIFORM_KEY_PROPERTY_NAME, DATA_PROVIDER_MASTER_KEY,
                PropertiesDrivenCryptoFactory.ENCRYPTION_ALGORITHM_PROPERTY_NAME, "AES_GCM_V1",
                PropertiesDrivenCryptoFactory.PLAINTEXT_FOOTER_PROPERTY_NAME, "false");
    }
}
