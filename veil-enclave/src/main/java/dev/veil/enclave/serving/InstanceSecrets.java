package dev.veil.enclave.serving;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;

/**
 * The serving instance's keys, generated inside the enclave at start: Ed25519 signs receipts and tree heads, HPKE (in
 * the serving contract's suite) receives the model key and the data providers' requests. The public halves are bound
 * into every piece of evidence; the private halves never leave, and a restart makes new ones.
 */
final class InstanceSecrets implements AutoCloseable {
    private final KeyPair signing;
    private final KemKeyPair keyWrap;
    private final InstanceKeys publicKeys;

    InstanceSecrets(KeyWrapSuite suite) {
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

    /** Wipes the key-wrap private key: nothing more can be released or sent to this instance. */
    @Override
    public void close() {
        keyWrap.close();
    }
}
