package dev.veil.spark.parquet;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.KeyAccessDeniedException;
import org.apache.parquet.crypto.keytools.KmsClient;

/**
 * Parquet's {@link KmsClient} for Veil: every wrap and unwrap goes through the {@link DataKeyService} this process
 * registered under the name Parquet gives as the KMS instance URL ({@link DataKeyServices}), to the broker that service
 * talks to. Master keys stay in the broker. It is made only under one name as the KMS instance URL, instance id and
 * access token alike ({@link ParquetCrypto#reading}): Parquet caches clients by access token and instance id, so a client
 * made for another URL under a service's token and id (by a read through Parquet's own factory, which checks nothing)
 * would later serve that service's reads with the other service's keys.
 */
public final class VeilKmsClient implements KmsClient {
    private String serviceName;

    @Override
    public void initialize(Configuration configuration, String kmsInstanceID, String kmsInstanceURL, String accessToken)
            throws KeyAccessDeniedException {
        if (kmsInstanceURL == null || !kmsInstanceURL.equals(kmsInstanceID) || !kmsInstanceURL.equals(accessToken)) {
            throw new KeyAccessDeniedException("Veil's KMS client reads under one key service's name as Parquet's KMS instance"
                    + " URL, instance id and access token alike");
        }
        serviceName = kmsInstanceURL;
    }

    @Override
    public String wrapKey(byte[] keyBytes, String masterKeyIdentifier) throws KeyAccessDeniedException {
        return service().wrap(keyBytes, masterKeyIdentifier);
    }

    @Override
    public byte[] unwrapKey(String wrappedKey, String masterKeyIdentifier) throws KeyAccessDeniedException {
        return service().unwrap(wrappedKey, masterKeyIdentifier);
    }

    private DataKeyService service() throws KeyAccessDeniedException {
        DataKeyService s = DataKeyServices.find(serviceName);
        if (s == null) {
            throw new KeyAccessDeniedException("this process holds no key service named " + serviceName
                    + ": an enclave instance gets one only after the broker appraised its evidence");
        }
        return s;
    }
}
