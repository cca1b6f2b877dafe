package dev.veil.enclave.serving;

/** The answer to one encapsulated request: an HTTP status and the response sealed to the request's context. */
record InferAnswer(int status, byte[] sealed) {
}
