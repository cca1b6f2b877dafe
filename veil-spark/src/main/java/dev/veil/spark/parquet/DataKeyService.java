package dev.veil.spark.parquet;

import org.apache.parquet.crypto.KeyAccessDeniedException;

/**
 * A provider's key service as Parquet Modular Encryption uses it: wraps and unwraps Parquet's key-encryption keys
 * under a master key that never leaves the service (the data provider's broker). An enclave instance gets one only
 * after the broker appraised its evidence; the data provider gets one for its own files.
 */
public interface DataKeyService {
    /** Wraps {@code key} under the master key {@code masterKeyId}: opaque text Parquet keeps in the encrypted footer. */
    String wrap(byte[] key, String masterKeyId) throws KeyAccessDeniedException;

    /** Unwraps what {@link #wrap} gave; refused for a key wrapped under another master key or altered. */
    byte[] unwrap(String wrapped, String masterKeyId) throws KeyAccessDeniedException;
}
