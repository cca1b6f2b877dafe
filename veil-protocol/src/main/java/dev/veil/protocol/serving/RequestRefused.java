package dev.veil.protocol.serving;

import dev.veil.protocol.receipt.FailureCode;
import java.util.Optional;

/**
 * A request the enclave will not answer. {@link #code()} is all that may be logged or sent in the clear. The message
 * is Veil's own sentence about the request's form (never the data provider's data), and once the request's
 * encapsulation opened it also travels sealed to the requester in {@link #sealedResponse()}; before that nobody can be
 * answered privately, and the server answers with the code alone.
 */
public final class RequestRefused extends Exception {
    private final FailureCode code;
    private final byte[] sealedResponse;

    RequestRefused(FailureCode code, String detail, byte[] sealedResponse) {
        super(detail);
        this.code = code;
        this.sealedResponse = sealedResponse == null ? null : sealedResponse.clone();
    }

    public FailureCode code() {
        return code;
    }

    /** The encapsulated failure response for the requester, when its request opened. */
    public Optional<byte[]> sealedResponse() {
        return Optional.ofNullable(sealedResponse).map(byte[]::clone);
    }
}
