package dev.veil.seal;

/**
 * A sealed file or key was rejected. The message is meant for a person: it says what was wrong and never
 * contains key material.
 */
public class SealException extends Exception {
    public SealException(String message) {
        super(message);
    }

    public SealException(String message, Throwable cause) {
        super(message, cause);
    }
}
