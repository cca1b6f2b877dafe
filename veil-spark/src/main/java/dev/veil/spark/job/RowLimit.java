package dev.veil.spark.job;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.protocol.receipt.FailureCode;

/**
 * The contract's {@code limits.max_rows} as an instance's budget of rows: every row it reads for the model, whatever
 * partition it serves, is taken from it before the model sees it, and past it the partition fails with
 * {@code limit_exceeded}, as does every later one of the instance. The results of a failed partition are never
 * committed, so an instance answers at most {@code max_rows} rows; the driver then holds the whole batch to the same
 * limit over every partition's count before it signs the receipt ({@link BatchTotals}).
 */
final class RowLimit {
    private final long max;
    private long taken;

    RowLimit(long max) {
        this.max = max;
    }

    /** Takes one row from the budget, or fails when the instance has read {@code max_rows} rows already. */
    synchronized void take() throws InferenceException {
        if (taken >= max) {
            throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the instance read the contract's limits.max_rows rows");
        }
        taken++;
    }
}
