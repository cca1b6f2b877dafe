package dev.veil.protocol.servinghttp;

import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.json.Digests;

/**
 * Model provider → server ({@code POST /v1/retire}): drop the model now. Signed by the model provider over the
 * contract, the instance's keys and a fresh nonce, which the discard receipt repeats, so the receipt answers this
 * request and the signature counts at this instance only.
 */
public record RetireRequest(String contractHash, byte[] nonce, byte[] signature) {
    public RetireRequest {
        if (contractHash == null || !contractHash.matches("[0-9a-f]{64}") || nonce == null
                || nonce.length != EvidenceBinding.NONCE_LENGTH || signature == null) {
            throw new IllegalArgumentException("a retire request needs contract_hash (64 lowercase hex digits), a "
                    + EvidenceBinding.NONCE_LENGTH + "-byte nonce and the model provider's signature");
        }
        nonce = nonce.clone();
        signature = signature.clone();
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** What the model provider signs. */
    public static byte[] signingMessage(byte[] contractHash, InstanceKeys instanceKeys, byte[] nonce) {
        return Digests.labelled256("veil serving retire v1", contractHash, instanceKeys.digest(), nonce);
    }
}
