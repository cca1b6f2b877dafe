package dev.veil.enclave.keys;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;

/**
 * Keys generated inside the enclave for one batch session or one serving instance: Ed25519 to sign receipts (and
 * serving's tree heads), HPKE to receive asset keys (and serving's requests). Their public halves are bound into every
 * piece of evidence handed out; the private halves never leave, and a restart makes new ones.
 */
public final class InstanceKeyPairs implements AutoCloseable {
    private final KeyPair signing;
    private final KemKeyPair keyWrap;
    private final InstanceKeys publicKeys;

    public InstanceKeyPairs(KeyWrapSuite suite) {
        try {
            signing = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is unavailable", e);
        }
        keyWrap = KemKeyPair.generate(suite);
        publicKeys = new InstanceKeys(signing.getPublic().getEncoded(), suite, keyWrap.publicKey());
    }

    public InstanceKeys publicKeys() {
        return publicKeys;
    }

    public KemKeyPair keyWrap() {
        return keyWrap;
    }

    public PrivateKey signingKey() {
        return signing.getPrivate();
    }

    /** Wipes the key-wrap private key: nothing more can be released or sent to this instance. */
    @Override
    public void close() {
        keyWrap.close();
    }
}
