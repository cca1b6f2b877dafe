package dev.veil.enclave.session;

import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.seal.SealHeader;

/**
 * The contract's pin on the dataset, checked on the sealed header before anything is decrypted (the row bound is
 * checked while streaming, by {@link dev.veil.enclave.inference.BatchPipeline}). Details go to the data provider only.
 */
final class DatasetLimits {
    private DatasetLimits() {
    }

    /** The sealed header's plaintext digest against the pin (before decrypting; unsealing re-checks the digest). */
    static void checkPin(SessionLimits limits, SealHeader header) throws SessionFailure {
        if (limits.datasetSha256() != null && !limits.datasetSha256().equals(header.plaintextSha256Hex())) {
            throw new SessionFailure(FailureCode.DATASET_INVALID, "the dataset's SHA-256 is " + header.plaintextSha256Hex()
                    + " but the contract pins limits.dataset_sha256 " + limits.datasetSha256() + "; seal the pinned dataset");
        }
    }
}
