package dev.veil.protocol.binding;

import dev.veil.protocol.json.Digests;

/**
 * What the enclave puts in the 64-byte report data: SHA-512 over the verifier's fresh nonce, the contract hash and
 * the instance keys. A verifier recomputes it; stale nonces (replay), other contracts (identical-attestation
 * confusion) and other keys (relay) all change it.
 */
public final class EvidenceBinding {
    public static final int NONCE_LENGTH = 32;

    private EvidenceBinding() {
    }

    public static byte[] reportData(byte[] nonce, byte[] contractHash, InstanceKeys keys) {
        if (nonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException("nonce must be " + NONCE_LENGTH + " bytes");
        }
        return Digests.labelled512("veil report data v1", nonce, contractHash, keys.digest());
    }
}
