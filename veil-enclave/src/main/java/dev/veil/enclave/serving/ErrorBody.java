package dev.veil.enclave.serving;

/** The body of every refusal: the fixed reason id and one line for the client. */
public record ErrorBody(String error, String message) {
}
