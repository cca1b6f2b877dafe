package dev.veil.spark.broker;

import dev.veil.enclave.broker.BrokerDataKeys;
import dev.veil.enclave.broker.BrokerRefused;
import dev.veil.spark.parquet.DataKeyService;
import org.apache.parquet.crypto.KeyAccessDeniedException;

/** The data provider's broker as Parquet's key service for an instance it released to (its own client, adapted). */
public final class InstanceDataKeys implements DataKeyService {
    private final BrokerDataKeys broker;

    public InstanceDataKeys(BrokerDataKeys broker) {
        this.broker = broker;
    }

    @Override
    public String wrap(byte[] key, String masterKeyId) throws KeyAccessDeniedException {
        try {
            return broker.wrap(masterKeyId, key);
        } catch (BrokerRefused e) {
            throw new KeyAccessDeniedException("the data provider's broker did not wrap a data key: " + e.getMessage());
        }
    }

    @Override
    public byte[] unwrap(String wrapped, String masterKeyId) throws KeyAccessDeniedException {
        try {
            return broker.unwrap(masterKeyId, wrapped);
        } catch (BrokerRefused e) {
            throw new KeyAccessDeniedException("the data provider's broker did not unwrap a data key: " + e.getMessage());
        }
    }
}
