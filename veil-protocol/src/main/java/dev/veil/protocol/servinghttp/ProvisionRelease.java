package dev.veil.protocol.servinghttp;

import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * The model provider's key release for a serving instance: the batch ceremony's release
 * ({@link dev.veil.protocol.keyrelease.KeyReleaseTranscript} with role {@code model_provider}: HPKE to the attested
 * instance key, info bound to H(sc), aad the transcript of both nonces, the evidence digest and the instance keys,
 * signed by the model provider), with the two nonces it answers, since HTTP keeps no connection state.
 *
 * <p>On the wire ({@code POST /v1/provision}) the body is {@code u32 length ‖ this record's JSON ‖ the sealed model},
 * so the model streams after a release the server checks first.
 */
public record ProvisionRelease(byte[] providerNonce, byte[] enclaveNonce, byte[] enc, byte[] wrappedKey, byte[] signature) {
    /** The release's JSON is small (an ML-KEM encapsulation is the largest part); more is refused before it is read. */
    public static final int MAX_JSON_BYTES = 64 * 1024;

    public ProvisionRelease {
        if (providerNonce == null || providerNonce.length != EvidenceBinding.NONCE_LENGTH || enclaveNonce == null
                || enclaveNonce.length != EvidenceBinding.NONCE_LENGTH || enc == null || wrappedKey == null || signature == null) {
            throw new IllegalArgumentException("a provisioning release needs provider_nonce and enclave_nonce ("
                    + EvidenceBinding.NONCE_LENGTH + " bytes each), enc, wrapped_key and signature");
        }
        providerNonce = providerNonce.clone();
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
