package dev.veil.protocol.identity;

import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A provider's full identity: Ed25519 signing key (signs contracts and key releases) and HPKE key-agreement key
 * (receives results). Printing it shows only the public part.
 */
public final class Identity implements AutoCloseable {
    private final PublicIdentity publicIdentity;
    private final PrivateKey signingKey;
    private final KemKeyPair keyAgreement;

    Identity(String name, KeyPair signing, KemKeyPair keyAgreement) {
        this.signingKey = signing.getPrivate();
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

    /**
     * Ed25519 over {@code message}. BouncyCastle's signer where the key's seed is at hand (the JDK's keys): Ed25519 is
     * deterministic (RFC 8032), so the signature is the very one the JDK's {@code Signature "Ed25519"} makes, at a
     * fraction of its cost (a data provider signs every serving request); the JDK's otherwise.
     */
    public byte[] sign(byte[] message) {
        if (signingKey instanceof EdECPrivateKey ed && ed.getBytes().isPresent()) {
            byte[] seed = ed.getBytes().get();
            try {
                Ed25519Signer signer = new Ed25519Signer();
                signer.init(true, new Ed25519PrivateKeyParameters(seed, 0));
                signer.update(message, 0, message.length);
                return signer.generateSignature();
            } finally {
                Arrays.fill(seed, (byte) 0);
            }
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(signingKey);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
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
