package dev.veil.enclave.serving;

import dev.veil.protocol.receipt.FailureCode;

/**
 * A refusal: an HTTP status, a fixed reason (a {@link FailureCode} or a {@link Refusal}: all metrics and logs get) and
 * a message for the client. The message names what was wrong with the client's own request; it never carries text
 * derived from a data provider's data (that travels only sealed to the data provider).
 */
public final class ServingFailure extends Exception {
    private final int status;
    private final String reason;

    public ServingFailure(int status, FailureCode code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.reason = code.id();
    }

    public ServingFailure(Refusal refusal, String message) {
        super(message, null, false, false);
        this.status = refusal.status();
        this.reason = refusal.id();
    }

    public int status() {
        return status;
    }

    /** The fixed id of the reason: a {@link FailureCode} id or a {@link Refusal} id. */
    public String reason() {
        return reason;
    }
}
