package dev.veil.protocol.keyrelease;

import java.util.Arrays;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;

/**
 * A key-agreement key pair for one {@link KeyWrapSuite}. The private part stays inside this object and is wiped on
 * {@link #close()} (as far as the JVM allows: BouncyCastle's internal copies are released, not overwritten).
 */
public final class KemKeyPair implements AutoCloseable {
    private final KeyWrapSuite suite;
    private final byte[] publicKey;
    private final byte[] privateKey;
    private AsymmetricCipherKeyPair pair;

    private KemKeyPair(KeyWrapSuite suite, AsymmetricCipherKeyPair pair) {
        this.suite = suite;
        this.pair = pair;
        this.publicKey = suite.hpke().serializePublicKey(pair.getPublic());
        this.privateKey = suite.hpke().serializePrivateKey(pair.getPrivate());
    }

    public static KemKeyPair generate(KeyWrapSuite suite) {
        return new KemKeyPair(suite, suite.hpke().generatePrivateKey());
    }

    public static KemKeyPair fromEncoded(KeyWrapSuite suite, byte[] privateKey, byte[] publicKey) {
        return new KemKeyPair(suite, suite.hpke().deserializePrivateKey(privateKey, publicKey));
    }

    public KeyWrapSuite suite() {
        return suite;
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** For writing the owner's 0600 identity file only. */
    public byte[] privateKeyForStorage() {
        return privateKey.clone();
    }

    AsymmetricCipherKeyPair pair() {
        if (pair == null) {
            throw new IllegalStateException("key pair was destroyed");
        }
        return pair;
    }

    @Override
    public void close() {
        Arrays.fill(privateKey, (byte) 0);
        pair = null;
    }

    @Override
    public String toString() {
        return "KemKeyPair[" + suite.id() + "]";
    }
}
