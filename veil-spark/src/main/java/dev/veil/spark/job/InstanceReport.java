package dev.veil.spark.job;

import java.io.Serializable;

/**
 * What a task tells the driver besides its output rows: a signed receipt (canonical JSON, public) and which executor
 * signed it, so that the driver can send each instance its closing task.
 */
public record InstanceReport(byte[] signedReceipt, String host, String executorId) implements Serializable {
    public InstanceReport {
        signedReceipt = signedReceipt.clone();
    }

    @Override
    public byte[] signedReceipt() {
        return signedReceipt.clone();
    }
}
