package dev.veil.enclave.session;

/** The session cannot go on; the message is sent to the providers as the one-line reason. */
public class SessionFailure extends Exception {
    public SessionFailure(String message) {
        super(message);
    }
}
