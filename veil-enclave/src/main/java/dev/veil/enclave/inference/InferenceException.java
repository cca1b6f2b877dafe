package dev.veil.enclave.inference;

/** The model or the data cannot be used for inference; the message says which and why. */
public class InferenceException extends Exception {
    public InferenceException(String message) {
        super(message);
    }
}
