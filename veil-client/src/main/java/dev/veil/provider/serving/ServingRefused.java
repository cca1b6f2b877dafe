package dev.veil.provider.serving;

/**
 * The serving server refused a request: its HTTP status, the fixed reason id it gave (a
 * {@link dev.veil.protocol.receipt.FailureCode} id or one of the server's own, such as {@code overloaded}) and its one
 * line. When the status is 503 the server is shedding load: retry after {@link #retryAfterSeconds()}.
 */
public final class ServingRefused extends Exception {
    private final int status;
    private final String reason;
    private final long retryAfterSeconds;

    public ServingRefused(int status, String reason, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.reason = reason;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    /** What a 503 asked the client to wait, in seconds; 0 when it did not say. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
