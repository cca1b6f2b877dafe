package dev.veil.enclave.broker;

/**
 * A key broker did not release: its HTTP status and fixed reason id (or {@code unreachable} / {@code bad_answer} when
 * it could not be asked or its answer failed a check here) and one line for the operator.
 */
public final class BrokerRefused extends Exception {
    private final int status;
    private final String reason;

    public BrokerRefused(int status, String reason, String message) {
        super(message, null, false, false);
        this.status = status;
        this.reason = reason;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }
}
