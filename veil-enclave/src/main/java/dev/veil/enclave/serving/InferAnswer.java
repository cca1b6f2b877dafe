package dev.veil.enclave.serving;

/**
 * The answer to one encapsulated request: an HTTP status and the response sealed to the request's context, the first
 * {@code length} bytes of {@code sealed}.
 */
record InferAnswer(int status, byte[] sealed, int length) {
    InferAnswer(int status, byte[] sealed) {
        this(status, sealed, sealed.length);
    }
}
