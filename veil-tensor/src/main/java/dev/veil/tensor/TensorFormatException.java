package dev.veil.tensor;

/** Input data could not be read as a tensor; the message says where and why. */
public class TensorFormatException extends Exception {
    public TensorFormatException(String message) {
        super(message);
    }
}
