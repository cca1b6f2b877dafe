package dev.veil.protocol.servinghttp;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import java.util.Base64;

/**
 * The model provider's authorization of one model upload ({@code POST /v1/provision}), sent in the request's
 * {@link #HEADER} so the instance checks it before it reads a byte of the body: the enclave nonce of the attestation
 * the release answers, signed by the contract's model provider together with the contract and the instance keys.
 * A serving instance reads one upload at a time; without this, anyone who connected first could hold that one slot
 * (sending slowly, for as long as an upload may take) and keep the model provider from provisioning.
 *
 * <p>Header value: {@code v1.} base64url(enclave nonce, {@link ProvisionRelease#ENCLAVE_NONCE_LENGTH} bytes) {@code .}
 * base64url(Ed25519 signature, 64 bytes), both without padding. Signed:
 * {@code labelled256("veil serving upload v1", H(sc), H(instance keys), enclave nonce)}.
 */
public record UploadAuthorization(byte[] enclaveNonce, byte[] signature) {
    public static final String HEADER = "Veil-Upload-Authorization";
    private static final String VERSION = "v1.";
    private static final int SIGNATURE_LENGTH = 64;
    private static final int MAX_HEADER_CHARS = 256;

    public UploadAuthorization {
        if (enclaveNonce == null || enclaveNonce.length != ProvisionRelease.ENCLAVE_NONCE_LENGTH || signature == null
                || signature.length != SIGNATURE_LENGTH) {
            throw new IllegalArgumentException("an upload authorization is an enclave nonce of " + ProvisionRelease.ENCLAVE_NONCE_LENGTH
                    + " bytes and a signature of " + SIGNATURE_LENGTH);
        }
        enclaveNonce = enclaveNonce.clone();
        signature = signature.clone();
    }

    @Override
    public byte[] enclaveNonce() {
        return enclaveNonce.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** What the model provider signs. */
    public static byte[] signingMessage(byte[] contractHash, InstanceKeys instanceKeys, byte[] enclaveNonce) {
        return Digests.labelled256("veil serving upload v1", contractHash, instanceKeys.digest(), enclaveNonce);
    }

    /** The model provider's authorization to upload for the attestation that handed out {@code enclaveNonce}. */
    public static UploadAuthorization sign(Identity modelProvider, byte[] contractHash, InstanceKeys instanceKeys, byte[] enclaveNonce) {
        return new UploadAuthorization(enclaveNonce, modelProvider.sign(signingMessage(contractHash, instanceKeys, enclaveNonce)));
    }

    public String headerValue() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return VERSION + b64.encodeToString(enclaveNonce) + "." + b64.encodeToString(signature);
    }

    /** The header's value, strictly: this version, two unpadded base64url parts of their exact lengths, nothing else. */
    public static UploadAuthorization parse(String header) throws ProtocolException {
        if (header == null) {
            throw new ProtocolException("a model upload needs the model provider's " + HEADER + " header (veil provision sends it)");
        }
        if (header.length() > MAX_HEADER_CHARS || !header.startsWith(VERSION)) {
            throw new ProtocolException("the " + HEADER + " header is not a version 1 upload authorization");
        }
        String[] parts = header.substring(VERSION.length()).split("\\.", -1);
        if (parts.length != 2 || !parts[0].matches("[A-Za-z0-9_-]+") || !parts[1].matches("[A-Za-z0-9_-]+")) {
            throw new ProtocolException("the " + HEADER + " header is not 'v1.' nonce '.' signature in unpadded base64url");
        }
        byte[] nonce;
        byte[] signature;
        try {
            nonce = Base64.getUrlDecoder().decode(parts[0]);
            signature = Base64.getUrlDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("the " + HEADER + " header is not unpadded base64url");
        }
        if (nonce.length != ProvisionRelease.ENCLAVE_NONCE_LENGTH || signature.length != SIGNATURE_LENGTH) {
            throw new ProtocolException("the " + HEADER + " header holds a nonce of " + nonce.length + " bytes and a signature of "
                    + signature.length + "; expected " + ProvisionRelease.ENCLAVE_NONCE_LENGTH + " and " + SIGNATURE_LENGTH);
        }
        UploadAuthorization parsed = new UploadAuthorization(nonce, signature);
        if (!parsed.headerValue().equals(header)) {   // one encoding only (no non-zero trailing bits)
            throw new ProtocolException("the " + HEADER + " header is not in its one canonical encoding");
        }
        return parsed;
    }
}
