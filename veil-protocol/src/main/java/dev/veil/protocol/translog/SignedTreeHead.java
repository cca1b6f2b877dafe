package dev.veil.protocol.translog;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A tree head and the enclave instance key's Ed25519 signature over {@link TreeHead#signingMessage}. As parsed it is
 * only a claim: {@link LogVerifier#verifyHead} checks the signature against the attested instance keys.
 */
public record SignedTreeHead(@JsonProperty(required = true) TreeHead head,
                             @JsonProperty(required = true) byte[] signature) {
    /** The length of an Ed25519 signature. */
    public static final int SIGNATURE_LENGTH = 64;

    public SignedTreeHead {
        if (head == null) {
            throw new IllegalArgumentException("signed tree head has no head");
        }
        if (signature == null || signature.length != SIGNATURE_LENGTH) {
            throw new IllegalArgumentException("tree head signature must be " + SIGNATURE_LENGTH + " bytes");
        }
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }
}
