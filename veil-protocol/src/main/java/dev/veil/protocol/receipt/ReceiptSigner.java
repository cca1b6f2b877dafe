package dev.veil.protocol.receipt;

import dev.veil.attest.Platform;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.json.Json;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;

/** Signs receipts with the instance key; used by the enclave. */
public final class ReceiptSigner {
    private ReceiptSigner() {
    }

    public static SignedReceipt sign(String kind, Object payload, PrivateKey instanceKey, Platform platform, byte[] evidence,
                                     java.util.List<byte[]> collateral, byte[] evidenceNonce, InstanceKeys keys) {
        byte[] bytes = Json.canonical(payload);
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(instanceKey);
            s.update(SignedReceipt.signingMessage(kind, bytes));
            return new SignedReceipt(kind, bytes, s.sign(), platform, evidence, collateral, evidenceNonce, keys);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }
}
