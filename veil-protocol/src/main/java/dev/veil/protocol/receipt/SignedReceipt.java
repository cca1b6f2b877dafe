package dev.veil.protocol.receipt;

import dev.veil.attest.Platform;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.json.Digests;
import java.nio.charset.StandardCharsets;

/**
 * A receipt as delivered: the canonical JSON payload, the instance key's Ed25519 signature over it, and everything
 * needed to check offline that the key was attested for this contract — the evidence, the nonce it answered and the
 * instance keys it binds.
 */
public record SignedReceipt(String kind, byte[] payload, byte[] signature, Platform platform, byte[] evidence,
                            java.util.List<byte[]> collateral, byte[] evidenceNonce, InstanceKeys instanceKeys) {
    public SignedReceipt {
        collateral = collateral == null ? java.util.List.of() : java.util.List.copyOf(collateral);
    }

    /** The bytes the instance key signs. */
    public static byte[] signingMessage(String kind, byte[] payload) {
        return Digests.labelled256("veil receipt v1", kind.getBytes(StandardCharsets.US_ASCII), payload);
    }
}
