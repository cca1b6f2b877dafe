package dev.veil.enclave.inference;

import java.io.IOException;

/** ONNX Runtime's extracted libraries were refused: replaced, linked elsewhere, or open to other users. */
public final class UntrustedNativeLibraryException extends IOException {
    private static final long serialVersionUID = 1L;

    public UntrustedNativeLibraryException(String message) {
        super(message);
    }
}
