package dev.veil.protocol.translog;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;

/** Signs tree heads with the enclave instance's Ed25519 key; used by the enclave. */
public final class TreeHeadSigner {
    private TreeHeadSigner() {
    }

    public static SignedTreeHead sign(TreeHead head, PrivateKey instanceKey) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(instanceKey);
            s.update(head.signingMessage());
            return new SignedTreeHead(head, s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }
}
