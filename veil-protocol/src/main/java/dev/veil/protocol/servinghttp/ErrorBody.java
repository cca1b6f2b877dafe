package dev.veil.protocol.servinghttp;

/**
 * The body of every refusal a serving server sends: {@code error} is a fixed id (a
 * {@link dev.veil.protocol.receipt.FailureCode} id, or one of the server's own: overloaded, not_found,
 * method_not_allowed, too_large, bad_request) and {@code message} one line for the client, never derived from a data
 * provider's data.
 */
public record ErrorBody(String error, String message) {
    /** The response header naming the instance keys' digest (hex), so a client sees when the instance changed. */
    public static final String INSTANCE_HEADER = "Veil-Instance-Keys";
}
