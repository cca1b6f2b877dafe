package dev.veil.protocol.keyrelease;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Digests;
import java.nio.charset.StandardCharsets;

/**
 * The context a key release is bound to: contract, role, both nonces, the evidence the provider verified and the
 * instance keys. HPKE's {@code aad} is this context, and the provider's signature covers it with the ciphertext, so a
 * release cannot be replayed into another session, connection or enclave instance.
 */
public record KeyReleaseTranscript(byte[] contractHash, Role role, byte[] providerNonce, byte[] enclaveNonce,
                                   byte[] evidenceDigest, InstanceKeys instanceKeys) {
    public byte[] context() {
        return Digests.labelled256("veil key release context v1", contractHash,
                role.id().getBytes(StandardCharsets.US_ASCII), providerNonce, enclaveNonce, evidenceDigest,
                instanceKeys.digest());
    }

    public byte[] hpkeInfo() {
        return Digests.labelled256("veil key release v1", contractHash);
    }

    public byte[] signingMessage(byte[] enc, byte[] wrappedKey) {
        return Digests.labelled256("veil key release signature v1", context(), enc, wrappedKey);
    }
}
