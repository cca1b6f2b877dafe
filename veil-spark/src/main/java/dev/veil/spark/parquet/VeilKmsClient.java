package dev.veil.spark.parquet;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.KeyAccessDeniedException;
import org.apache.parquet.crypto.keytools.KmsClient;

/**
 * Parquet's {@link KmsClient} for Veil: every wrap and unwrap goes to the broker named by the KMS instance URL,
 * through the {@link DataKeyService} this process registered for it. Master keys stay in the broker.
 */
public final class VeilKmsClient implements KmsClient {
    private String brokerUrl;

    @Override
    public void initialize(Configuration configuration, String kmsInstanceID, String kmsInstanceURL, String accessToken)
            throws KeyAccessDeniedException {
        brokerUrl = kmsInstanceURL;
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
        DataKeyService s = DataKeyServices.find(brokerUrl);
        if (s == null) {
            throw new KeyAccessDeniedException("this process holds no key service for the broker " + brokerUrl
                    + ": an enclave instance gets one only after the broker appraised its evidence");
        }
        return s;
    }
}
