package dev.veil.protocol.identity;

import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.EdECPrivateKey;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A provider's full identity: Ed25519 signing key (signs contracts and key releases) and HPKE key-agreement key
 * (receives results). Printing it shows only the public part.
 */
public final class Identity implements AutoCloseable {
    private final PublicIdentity publicIdentity;
    private final PrivateKey signingKey;
    /**
     * The same key for BouncyCastle's Ed25519, which signs: Ed25519 signatures are deterministic, so they are the
     * JDK's bytes, made about twenty times faster on JDK 17 (a key broker signs twice per release).
     */
    private final Ed25519PrivateKeyParameters signer;
    private final KemKeyPair keyAgreement;

    Identity(String name, KeyPair signing, KemKeyPair keyAgreement) {
        this.signingKey = signing.getPrivate();
        byte[] seed = signingKey instanceof EdECPrivateKey ed ? ed.getBytes().orElse(null) : null;
        if (seed == null || seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
            throw new IllegalArgumentException("an identity's signing key must be an Ed25519 private key");
        }
        this.signer = new Ed25519PrivateKeyParameters(seed, 0);
        java.util.Arrays.fill(seed, (byte) 0);
        this.keyAgreement = keyAgreement;
        this.publicIdentity = new PublicIdentity(name, signing.getPublic().getEncoded(), keyAgreement.suite(),
                keyAgreement.publicKey());
    }

    public static Identity generate(String name, KeyWrapSuite suite) {
        try {
            KeyPair signing = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new Identity(name, signing, KemKeyPair.generate(suite));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is unavailable in this JVM", e);
        }
    }

    public PublicIdentity publicIdentity() {
        return publicIdentity;
    }

    public byte[] sign(byte[] message) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, signer);
        s.update(message, 0, message.length);
        return s.generateSignature();
    }

    public KemKeyPair keyAgreement() {
        return keyAgreement;
    }

    PrivateKey signingKeyForStorage() {
        return signingKey;
    }

    @Override
    public void close() {
        keyAgreement.close();
        // JDK Ed25519 private keys expose no destroy(); the encoded copy is dropped with this object.
    }

    @Override
    public String toString() {
        return "Identity[" + publicIdentity + "]";
    }
}
