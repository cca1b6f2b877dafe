package dev.veil.protocol.servinghttp;

import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The model provider's key release for a serving instance: the batch ceremony's release
 * ({@link dev.veil.protocol.keyrelease.KeyReleaseTranscript} with role {@code model_provider}: HPKE to the attested
 * instance key, info bound to H(sc), aad the transcript of both nonces, the evidence digest and the instance keys,
 * signed by the model provider), with what it answers, since HTTP keeps no connection state and the enclave keeps no
 * table of the attestations it gave: the provider's nonce, the enclave's nonce (a MAC of the enclave's over all of
 * this, with its issue time) and the evidence and collateral the attestation handed out, which the enclave checks
 * against that MAC and puts in its discard receipt.
 *
 * <p>On the wire ({@code POST /v1/provision}) the body is {@code u32 length ‖ this record's JSON ‖ the sealed model},
 * so the model streams after a release the server checks first.
 */
public record ProvisionRelease(byte[] providerNonce, byte[] enclaveNonce, byte[] evidence, List<byte[]> collateral, byte[] enc,
                               byte[] wrappedKey, byte[] signature) {
    /**
     * The release's JSON, evidence and collateral included (DCAP's TCB Info and CRLs come to tens of KiB, base64); more
     * is refused before it is read.
     */
    public static final int MAX_JSON_BYTES = 1 << 20;
    /** A serving instance's enclave nonce: serial (8) ‖ issue time (8) ‖ HMAC-SHA256 tag (32). */
    public static final int ENCLAVE_NONCE_LENGTH = 48;

    public ProvisionRelease {
        if (providerNonce == null || providerNonce.length != EvidenceBinding.NONCE_LENGTH || enclaveNonce == null
                || enclaveNonce.length != ENCLAVE_NONCE_LENGTH || evidence == null || collateral == null
                || collateral.stream().anyMatch(java.util.Objects::isNull) || enc == null
                || wrappedKey == null || signature == null) {
            throw new IllegalArgumentException("a provisioning release needs provider_nonce (" + EvidenceBinding.NONCE_LENGTH
                    + " bytes), enclave_nonce (" + ENCLAVE_NONCE_LENGTH + " bytes), evidence, collateral, enc, wrapped_key and signature");
        }
        providerNonce = providerNonce.clone();
        evidence = evidence.clone();
        collateral = collateral.stream().map(byte[]::clone).toList();
        enclaveNonce = enclaveNonce.clone();
        enc = enc.clone();
        wrappedKey = wrappedKey.clone();
        signature = signature.clone();
    }

    @Override
    public byte[] providerNonce() {
        return providerNonce.clone();
    }

    @Override
    public byte[] enclaveNonce() {
        return enclaveNonce.clone();
    }

    @Override
    public byte[] evidence() {
        return evidence.clone();
    }

    @Override
    public List<byte[]> collateral() {
        return collateral.stream().map(byte[]::clone).toList();
    }

    @Override
    public byte[] enc() {
        return enc.clone();
    }

    @Override
    public byte[] wrappedKey() {
        return wrappedKey.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** The body's prefix: the length, then the JSON. The sealed model follows it. */
    public byte[] bodyPrefix() {
        byte[] json = Json.canonical(this);
        return ByteBuffer.allocate(4 + json.length).putInt(json.length).put(json).array();
    }

    /** Reads the prefix from the body, refusing a length over {@link #MAX_JSON_BYTES} before reading it. */
    public static ProvisionRelease readPrefix(InputStream body) throws IOException, ProtocolException {
        DataInputStream in = new DataInputStream(body);
        int length;
        try {
            length = in.readInt();
        } catch (java.io.EOFException e) {
            throw new ProtocolException("provisioning body ends before its release");
        }
        if (length < 2 || length > MAX_JSON_BYTES) {
            throw new ProtocolException("provisioning release of " + (length & 0xffffffffL) + " bytes; at most " + MAX_JSON_BYTES);
        }
        byte[] json = in.readNBytes(length);
        if (json.length != length) {
            throw new ProtocolException("provisioning body ends inside its release");
        }
        return Json.parse(json, ProvisionRelease.class, "provisioning release");
    }
}
