package dev.veil.protocol.servinghttp;

import dev.veil.protocol.binding.EvidenceBinding;

/**
 * Client → server ({@code POST /v1/attest}): "prove yourself against my fresh nonce, under this serving contract".
 * The answer is a {@link dev.veil.protocol.wire.Messages.EvidenceOffer}, exactly as in the batch ceremony: report data
 * = SHA-512("veil report data v1" ‖ nonce ‖ H(sc) ‖ SHA-256(instance keys)), plus the enclave's own nonce, which a
 * model provider's provisioning release must sign.
 */
public record AttestChallenge(String contractHash, byte[] nonce) {
    public AttestChallenge {
        if (contractHash == null || !contractHash.matches("[0-9a-f]{64}") || nonce == null
                || nonce.length != EvidenceBinding.NONCE_LENGTH) {
            throw new IllegalArgumentException("an attestation challenge needs contract_hash (64 lowercase hex digits) and a "
                    + EvidenceBinding.NONCE_LENGTH + "-byte nonce");
        }
        nonce = nonce.clone();
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }
}
