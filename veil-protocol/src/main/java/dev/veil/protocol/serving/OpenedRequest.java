package dev.veil.protocol.serving;

import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.receipt.FailureCode;
import java.util.List;

/**
 * A request the enclave opened, verified and admitted: its signed header, the requester's identity and budget, its
 * inputs, and the only way to answer it, sealed to the key derived from its encapsulation.
 */
public final class OpenedRequest {
    private final ServingRequest request;
    private final ServingBudget budget;
    private final byte[] inputs;
    private final ResponseSecret responseSecret;

    OpenedRequest(ServingRequest request, ServingBudget budget, byte[] inputs, ResponseSecret responseSecret) {
        this.request = request;
        this.budget = budget;
        this.inputs = inputs;
        this.responseSecret = responseSecret;
    }

    public ServingRequest request() {
        return request;
    }

    public PublicIdentity dataProvider() {
        return request.dataProvider();
    }

    /** The requester's budget under the contract; counting rows against it is the server's (per fingerprint). */
    public ServingBudget budget() {
        return budget;
    }

    /** The request's input tensors, as the data provider's {@code .npz} bytes. */
    public byte[] inputs() {
        return inputs.clone();
    }

    /**
     * The encapsulated response with the model's {@code .npz} output and the receipt, sealed straight from
     * {@code outputNpz} (no copy of it is made).
     */
    public byte[] sealOk(byte[] outputNpz, byte[] receipt) {
        return responseSecret.seal(ServingResponse.encodeOk(request.requestId(), outputNpz, receipt));
    }

    /**
     * {@link #sealOk} in two steps, so that the output is sealed while its receipt is made (hashing the output for the
     * log takes as long as sealing it): {@link AnswerSealing#sealOutput()} seals the framing and {@code outputNpz} (no
     * copy of it is made) on any one thread, and {@link AnswerSealing#finish(byte[])} the receipt after it; room is made
     * for a receipt of {@code receiptRoom} bytes (a larger one costs a copy). The bytes are those {@link #sealOk} makes.
     */
    public AnswerSealing beginOk(byte[] outputNpz, int receiptRoom) {
        return new AnswerSealing(responseSecret.begin(List.of(ServingResponse.okBeforeOutput(request.requestId(), outputNpz.length),
                outputNpz), 4 + receiptRoom));
    }

    /** An answer being sealed: see {@link #beginOk}. */
    public static final class AnswerSealing {
        private final ResponseSecret.Sealing sealing;

        private AnswerSealing(ResponseSecret.Sealing sealing) {
            this.sealing = sealing;
        }

        /** Seals the answer's framing and output. */
        public void sealOutput() {
            sealing.sealFirst();
        }

        /** Seals the receipt after the output (call {@link #sealOutput()} first, and wait for it): the answer. */
        public SealedAnswer finish(byte[] receipt) {
            return sealing.finish(ServingResponse.okAfterOutput(receipt));
        }
    }

    /** The encapsulated failure response: {@code detail} is readable by this data provider only. */
    public byte[] sealFailure(FailureCode code, String detail) {
        return responseSecret.seal(ServingResponse.failed(request.requestId(), code, detail).encode());
    }
}
