package dev.veil.protocol.json;

/**
 * A peer or a document broke the protocol: bad signature, wrong party, expired contract, malformed message. The
 * message is for a person and never contains secrets.
 */
public class ProtocolException extends Exception {
    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
