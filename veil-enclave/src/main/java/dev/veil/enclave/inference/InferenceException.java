package dev.veil.enclave.inference;

import dev.veil.protocol.receipt.FailureCode;

/**
 * The model or the data cannot be used for inference. The message says which and why, and may quote the data (an
 * ONNX Runtime error about the input): it goes to the data provider only, sealed. {@link #code()} is what everyone
 * else learns.
 */
public class InferenceException extends Exception {
    private final FailureCode code;

    public InferenceException(FailureCode code, String message) {
        super(message);
        this.code = code;
    }

    public FailureCode code() {
        return code;
    }
}
