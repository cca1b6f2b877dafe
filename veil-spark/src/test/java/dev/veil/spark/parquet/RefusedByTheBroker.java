package dev.veil.spark.parquet;

import org.apache.parquet.crypto.KeyAccessDeniedException;

/**
 * Test stand-in for an instance whose broker refuses it every key of another contract's master key (the broker
 * answers not_in_scope): what a job's own key service does with another job's dataset.
 */
final class RefusedByTheBroker implements DataKeyService {
    @Override
    public String wrap(byte[] key, String masterKeyId) throws KeyAccessDeniedException {
        throw new KeyAccessDeniedException("not_in_scope: master key '" + masterKeyId + "' does not serve this contract");
    }

    @Override
    public byte[] unwrap(String wrapped, String masterKeyId) throws KeyAccessDeniedException {
        throw new KeyAccessDeniedException("not_in_scope: master key '" + masterKeyId + "' does not serve this contract");
    }
}
