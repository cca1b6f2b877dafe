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
    private final boolean sealed;
    private final boolean instanceChanged;

    /** A refusal the server sent in the clear: nothing in it is authenticated. */
    public ServingRefused(int status, String reason, String message, long retryAfterSeconds) {
        this(status, reason, message, retryAfterSeconds, false);
    }

    /**
     * @param sealed whether the refusal came sealed to this request, so that only the attested instance could have written
     *               its reason and message (its HTTP status travelled in the clear all the same)
     */
    public ServingRefused(int status, String reason, String message, long retryAfterSeconds, boolean sealed) {
        this(status, reason, message, retryAfterSeconds, sealed, false);
    }

    private ServingRefused(int status, String reason, String message, long retryAfterSeconds, boolean sealed,
                           boolean instanceChanged) {
        super(message, null, false, false);
        this.status = status;
        this.reason = reason;
        this.retryAfterSeconds = retryAfterSeconds;
        this.sealed = sealed;
        this.instanceChanged = instanceChanged;
    }

    /**
     * This refusal, marked as given by another instance than the one the request was sealed to (its answer named other
     * instance keys: a restart, or another replica behind the address), which could not open the request.
     */
    ServingRefused fromAnotherInstance() {
        return new ServingRefused(status, reason, getMessage(), retryAfterSeconds, sealed, true);
    }

    /** Whether an instance other than the one the request was sealed to answered (it could not open the request). */
    public boolean instanceChanged() {
        return instanceChanged;
    }

    /** Whether the attested instance itself gave this refusal, sealed to the request (its status is still the network's). */
    public boolean sealed() {
        return sealed;
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
