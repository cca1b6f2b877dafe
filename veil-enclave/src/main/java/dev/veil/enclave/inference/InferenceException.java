package dev.veil.enclave.inference;

import dev.veil.protocol.receipt.FailureCode;

/**
 * The model or the data cannot be used for inference. The message is Veil's own sentence saying which and why (it may
 * name the input's shape): it goes to the data provider only, sealed. {@link #code()} is what everyone else learns.
 * ONNX Runtime's exception, when there is one, is only the cause: its text may quote the data or the model's
 * constants, and nothing in the enclave shows it to anyone.
 */
public class InferenceException extends Exception {
    private final FailureCode code;

    public InferenceException(FailureCode code, String message) {
        super(message);
        this.code = code;
    }

    public InferenceException(FailureCode code, String message, Throwable onnxRuntimeCause) {
        super(message, onnxRuntimeCause);
        this.code = code;
    }

    public FailureCode code() {
        return code;
    }
}
