package dev.veil.protocol.contract;

/**
 * The model the session is for, named by the SHA-256 of its plaintext ONNX bytes, with the inputs and outputs it
 * declares (contract version 3).
 *
 * @param name the model provider's label for the model, shown to the data provider's tools: held to the rules of
 *             every other name a peer writes into a signed document (no control or formatting characters); empty when none was given
 */
public record ModelTerms(String sha256, String name, ModelSignature signature) {
    public static final int MAX_NAME_LENGTH = 256;

    public ModelTerms {
        if (name != null && !name.isEmpty()) {
            SignatureText.requireName(name, "the model's name", MAX_NAME_LENGTH);
        }
    }
}
