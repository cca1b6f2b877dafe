package dev.veil.protocol.contract;

/** The model the session is for, named by the SHA-256 of its plaintext ONNX bytes. */
public record ModelTerms(String sha256, String name) {
}
