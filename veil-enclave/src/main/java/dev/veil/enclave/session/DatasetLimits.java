package dev.veil.enclave.session;

import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.seal.SealHeader;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.TensorFiles;

/**
 * The contract's limits on the dataset: the pinned digest, and the row bound, checked on the raw CSV before parsing
 * so that a dataset of hundreds of millions of rows fails at once instead of filling the heap row by row.
 * Details name the limit and go to the data provider only.
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

    /**
     * Before parsing: every data row of a CSV holds a digit, so more lines with a digit than max_rows plus one (a
     * header may hold digits too) means too many rows, whatever the parser would make of them.
     */
    static void checkRowsBeforeParsing(SessionLimits limits, byte[] dataset) throws SessionFailure {
        if (TensorFiles.isNpy(dataset)) {
            return;   // the .npy header states the shape; checked after parsing, which allocates no more than the bytes
        }
        long bound = limits.maxRows() < Long.MAX_VALUE ? limits.maxRows() + 1 : Long.MAX_VALUE;
        long linesWithDigit = 0;
        boolean digitInLine = false;
        for (int i = 0; i < dataset.length && linesWithDigit <= bound; i++) {
            byte b = dataset[i];
            if (b == '\n' || b == '\r') {
                linesWithDigit += digitInLine ? 1 : 0;
                digitInLine = false;
            } else if (b >= '0' && b <= '9') {
                digitInLine = true;
            }
        }
        linesWithDigit += digitInLine ? 1 : 0;
        if (linesWithDigit > bound) {
            throw tooMany(limits, "more than " + limits.maxRows());
        }
    }

    static void checkRows(SessionLimits limits, FloatTensor input) throws SessionFailure {
        if (input.rows() > limits.maxRows()) {
            throw tooMany(limits, Long.toString(input.rows()));
        }
    }

    private static SessionFailure tooMany(SessionLimits limits, String rows) {
        return new SessionFailure(FailureCode.LIMIT_EXCEEDED, "the dataset has " + rows + " rows but the contract allows "
                + "limits.max_rows = " + limits.maxRows() + "; split the dataset or agree a higher limit");
    }
}
