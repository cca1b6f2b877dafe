package dev.veil.spark.parquet;

import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory;

/**
 * The Hadoop settings that make Parquet encrypt (and decrypt) with its own modular encryption: AES-GCM for the footer
 * and every column (no plaintext footer, so the schema's key-value metadata is encrypted too), one master key for all
 * of them (the data provider's, in its broker; or the results', {@link ResultKeys}), wrapped through
 * {@link VeilKmsClient}. A reader needs no master key name: each file's key material names its own.
 */
public final class ParquetCrypto {
    /**
     * Parquet encodes before it encrypts, and the host reads file sizes: compression and dictionary encoding make a
     * file's size follow how repetitive its values are, and a max statistic Parquet cannot shorten (bytes of 0xff) is kept
     * whole. So the values are written plain (cells of one shape then take the same bytes whatever their values), with
     * no statistics (they would be encrypted, but their presence and length may depend on the values). Spark reads
     * "parquet.compression" from the writer's options, Parquet the rest from the Hadoop configuration they enter.
     */
    public static final Map<String, String> SIZE_OF_VALUES_HIDDEN = Map.of(
            "parquet.compression", "UNCOMPRESSED",
            "parquet.enable.dictionary", "false",
            "parquet.column.statistics.enabled", "false",
            "parquet.size.statistics.enabled", "false",
            "parquet.bloom.filter.enabled", "false",
            "parquet.writer.version", "v1");

    /**
     * Pages of 64 KiB rather than Parquet's 1 MiB. Each page (and its header) is one AES-GCM call, and the JDK runs
     * AES-GCM on the CPU's AES and carry-less multiply instructions only once its methods are compiled, which HotSpot
     * does after some hundreds of calls: with 1 MiB pages an executor makes too few calls in a job and encrypts and
     * decrypts every page in plain Java, about 60 MB/s (the Spark benchmark's largest per-row cost); with 64 KiB pages the
     * first job's first few MB get them compiled, and AES-GCM then costs about a microsecond per row. Each page adds about
     * 90 bytes (its header and two GCM nonces and tags), 0.14 %.
     */
    public static final int PAGE_BYTES = 64 << 10;

    private ParquetCrypto() {
    }

    /** Sets, on {@code conf}, encryption under {@code masterKeyId} through the key service registered for {@code kmsUrl}. */
    public static Configuration apply(Configuration conf, String kmsUrl, String masterKeyId) {
        writing(kmsUrl, masterKeyId).forEach(conf::set);
        return conf;
    }

    /**
     * Decryption through the key service this process registered under the name {@code kmsUrl} ({@link DataKeyServices}):
     * Parquet's KMS instance URL, instance id and access token, all three, so its caches are per service.
     */
    public static Map<String, String> reading(String kmsUrl) {
        Map<String, String> p = new HashMap<>();
        p.put("parquet.crypto.factory.class", PropertiesDrivenCryptoFactory.class.getName());
        p.put(KeyToolkit.KMS_CLIENT_CLASS_PROPERTY_NAME, VeilKmsClient.class.getName());
        p.put(KeyToolkit.KMS_INSTANCE_URL_PROPERTY_NAME, kmsUrl);
        // Parquet caches KMS clients per access token and instance id, and key-encryption keys per access token and
        // master key name: the service's name as both keeps two services' keys apart in one process
        p.put(KeyToolkit.KMS_INSTANCE_ID_PROPERTY_NAME, kmsUrl);
        p.put(KeyToolkit.KEY_ACCESS_TOKEN_PROPERTY_NAME, kmsUrl);
        return p;
    }

    /** Decryption as {@link #reading}, and encryption of every column and the footer under {@code masterKeyId}. */
    public static Map<String, String> writing(String kmsUrl, String masterKeyId) {
        Map<String, String> p = reading(kmsUrl);
        p.put(PropertiesDrivenCryptoFactory.UNIFORM_KEY_PROPERTY_NAME, masterKeyId);
        p.put(PropertiesDrivenCryptoFactory.ENCRYPTION_ALGORITHM_PROPERTY_NAME, "AES_GCM_V1");
        p.put(PropertiesDrivenCryptoFactory.PLAINTEXT_FOOTER_PROPERTY_NAME, "false");
        p.put(KeyToolkit.DATA_KEY_LENGTH_PROPERTY_NAME, "256");
        p.put(KeyToolkit.KEK_LENGTH_PROPERTY_NAME, "256");
        p.put("parquet.page.size", Integer.toString(PAGE_BYTES));
        p.putAll(SIZE_OF_VALUES_HIDDEN);
        return p;
    }
}
