package dev.veil.enclave.session;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;

/**
 * Keys generated inside the enclave for one session: Ed25519 to sign receipts, HPKE to receive asset keys. Their
 * public halves are bound into every piece of evidence the session hands out; the private halves never leave.
 */
final class InstanceKeyPairs implements AutoCloseable {
    private final KeyPair signing;
    private final KemKeyPair keyWrap;
    private final InstanceKeys publicKeys;

    InstanceKeyPairs(KeyWrapSuite suite) {
        try {
            signing = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is unavailable", e);
        }
        keyWrap = KemKeyPair.generate(suite);
        publicKeys = new InstanceKeys(signing.getPublic().getEncoded(), suite, keyWrap.publicKey());
    }

    InstanceKeys publicKeys() {
        return publicKeys;
    }

    KemKeyPair keyWrap() {
        return keyWrap;
    }

    PrivateKey signingKey() {
        return signing.getPrivate();
    }

    @Override
    public void close() {
        keyWrap.close();
    }
}
