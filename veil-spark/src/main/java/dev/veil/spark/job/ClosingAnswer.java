package dev.veil.spark.job;

import java.io.Serializable;

/**
 * What a closing task answers: the executor it ran on and, when that executor held an instance of the job, the
 * instance's signed discard receipt (canonical JSON; empty when it held none).
 */
record ClosingAnswer(String executorId, byte[] discardReceipt) implements Serializable {
    ClosingAnswer {
        discardReceipt = discardReceipt.clone();
    }

    @Override
    public byte[] discardReceipt() {
        return discardReceipt.clone();
    }
}
