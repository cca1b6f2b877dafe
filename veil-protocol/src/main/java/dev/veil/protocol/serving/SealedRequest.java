package dev.veil.protocol.serving;

import dev.veil.protocol.json.ProtocolException;

/**
 * A request as the data provider sends it, with what it keeps to read the answer: the secret exported from the
 * request's HPKE context. Use it for one response only.
 */
public final class SealedRequest {
    private final byte[] encapsulated;
    private final String requestId;
    private final ResponseSecret responseSecret;

    SealedRequest(byte[] encapsulated, String requestId, ResponseSecret responseSecret) {
        this.encapsulated = encapsulated;
        this.requestId = requestId;
        this.responseSecret = responseSecret;
    }

    /** The encapsulated request: {@code enc ‖ ciphertext}, the body to send to the instance. */
    public byte[] encapsulated() {
        return encapsulated.clone();
    }

    public String requestId() {
        return requestId;
    }

    /**
     * Opens the instance's encapsulated response. It opens only with this request's keys, so it comes from the
     * instance this request was sealed to (or from this data provider itself); it must answer this request's id.
     */
    public ServingResponse openResponse(byte[] encapsulatedResponse) throws ProtocolException {
        ServingResponse r = ServingResponse.parse(responseSecret.open(encapsulatedResponse));
        if (r.requestId() != null ? !r.requestId().equals(requestId) : r.isOk()) {
            throw new ProtocolException("response answers request " + r.requestId() + ", not " + requestId);
        }
        return r;
    }
}
