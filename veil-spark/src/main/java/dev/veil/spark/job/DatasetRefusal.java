package dev.veil.spark.job;

import org.apache.parquet.crypto.ParquetCryptoRuntimeException;

/**
 * Whether a partition failed because a file of the dataset was refused where it is decrypted: not bound to its place
 * in the dataset (a GCM tag check failed), plaintext, or not one of the dataset's files. Spark wraps the reader's
 * exception, so the causes are searched; the code leaves the executor, the exception never does ({@link PartitionFailure}).
 */
final class DatasetRefusal {
    private DatasetRefusal() {
    }

    static boolean isIn(Throwable t) {
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof ParquetCryptoRuntimeException) {
                return true;
            }
        }
        return false;
    }
}
