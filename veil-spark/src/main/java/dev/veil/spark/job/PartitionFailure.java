package dev.veil.spark.job;

import dev.veil.protocol.receipt.FailureCode;

/**
 * How a partition's failure leaves an executor: Veil's fixed failure code and its fixed sentence, nothing else. Spark
 * sends a task's exception, its message, causes and stack trace included, to the driver, which writes it to its event
 * log and logs, and prints it; the executor logs it too. All of those are outside what the data provider alone reads,
 * and ONNX Runtime's text (or a check's sentence naming a shape) may quote the data provider's values: so the
 * executor's own exception is dropped here, never attached as a cause, and this one carries no stack trace either.
 */
public final class PartitionFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final String PREFIX = "veil partition failed: ";
    private final String code;

    public PartitionFailure(FailureCode code) {
        super(PREFIX + code.id() + " (" + code.description() + ")", null, false, false);
        this.code = code.id();
    }

    /** The failure code this exception, or one of its causes (Spark wraps it on the driver), carries, if any. */
    public static FailureCode codeIn(Throwable t) {
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof PartitionFailure f) {
                return FailureCode.fromId(f.code);
            }
        }
        return null;
    }
}
