package dev.veil.spark.broker;

import dev.veil.protocol.json.ProtocolException;
import dev.veil.provider.broker.ProviderDataKeys;
import dev.veil.spark.parquet.DataKeyService;
import java.io.IOException;
import org.apache.parquet.crypto.KeyAccessDeniedException;

/**
 * The data provider's broker as Parquet's key service while the provider writes its dataset: wraps only. The broker
 * unwraps the provider's keys for appraised enclave instances alone, so nothing outside an instance reads the files.
 */
public final class DatasetDataKeys implements DataKeyService {
    private final ProviderDataKeys broker;

    public DatasetDataKeys(ProviderDataKeys broker) {
        this.broker = broker;
    }

    @Override
    public String wrap(byte[] key, String masterKeyId) throws KeyAccessDeniedException {
        try {
            return broker.wrap(masterKeyId, key);
        } catch (ProtocolException e) {
            throw new KeyAccessDeniedException("the data provider's broker did not wrap a data key: " + e.getMessage());
        } catch (IOException e) {   // the JDK's client says nothing in its connection failures' messages
            throw new KeyAccessDeniedException("the data provider's broker could not be reached to wrap a data key ("
                    + e.getClass().getSimpleName() + "); check that 'veil broker' listens there");
        }
    }

    @Override
    public byte[] unwrap(String wrapped, String masterKeyId) throws KeyAccessDeniedException {
        throw new KeyAccessDeniedException("the broker unwraps the data provider's keys only for appraised enclave instances");
    }
}
