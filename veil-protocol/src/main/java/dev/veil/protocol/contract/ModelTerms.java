package dev.veil.protocol.contract;

/**
 * The model the session is for, named by the SHA-256 of its plaintext ONNX bytes, with the inputs and outputs it
 * declares (contract version 3).
 */
public record ModelTerms(String sha256, String name, ModelSignature signature) {
}
