package dev.veil.enclave.session;

import dev.veil.protocol.receipt.FailureCode;

/**
 * The session cannot go on. {@link #code()} is all the model provider, the log and anything unsealed learn;
 * {@link #detail()} may be derived from the data provider's data and goes to a provider only sealed to its key.
 */
public class SessionFailure extends Exception {
    private final FailureCode code;
    private final String detail;

    public SessionFailure(FailureCode code, String detail) {
        // The exception's own message is the code, so a stray getMessage() or stack trace cannot leak the detail.
        super(code.id());
        this.code = code;
        this.detail = detail;
    }

    public FailureCode code() {
        return code;
    }

    public String detail() {
        return detail;
    }
}
