package dev.veil.enclave.serving;

/**
 * Why the server refused a request before any endpoint ran, from a fixed vocabulary (the metric's {@code reason}
 * label next to {@link dev.veil.protocol.receipt.FailureCode}'s ids).
 */
public enum Refusal {
    OVERLOADED("overloaded", 503),
    NOT_FOUND("not_found", 404),
    METHOD_NOT_ALLOWED("method_not_allowed", 405),
    TOO_LARGE("too_large", 413),
    TIMEOUT("timeout", 408),
    BAD_REQUEST("bad_request", 400);

    private final String id;
    private final int status;

    Refusal(String id, int status) {
        this.id = id;
        this.status = status;
    }

    public String id() {
        return id;
    }

    public int status() {
        return status;
    }
}
