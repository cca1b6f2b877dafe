package dev.veil.protocol.keyrelease;

import dev.veil.protocol.json.ProtocolException;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

/**
 * Single-shot HPKE base mode (RFC 9180 §6.1) from BouncyCastle. {@code info} names the purpose and session,
 * {@code aad} binds the ciphertext to the transcript it travels in.
 */
public final class Hpke {
    private Hpke() {
    }

    /** A sealed message: the KEM encapsulation and the AEAD ciphertext. */
    public record Sealed(byte[] enc, byte[] ciphertext) {
    }

    public static Sealed seal(KeyWrapSuite suite, byte[] recipientPublicKey, byte[] info, byte[] aad, byte[] plaintext)
            throws ProtocolException {
        AsymmetricKeyParameter pk;
        try {
            pk = suite.hpke().deserializePublicKey(recipientPublicKey);
        } catch (RuntimeException e) {
            throw new ProtocolException("recipient's " + suite.id() + " public key is malformed");
        }
        try {
            byte[][] r = suite.hpke().seal(pk, info, aad, plaintext, null, null, null);
            return new Sealed(r[1], r[0]);
        } catch (InvalidCipherTextException | RuntimeException e) {
            throw new ProtocolException("HPKE seal failed for " + suite.id() + " recipient key");
        }
    }

    public static byte[] open(KemKeyPair recipient, byte[] info, byte[] aad, Sealed sealed) throws ProtocolException {
        try {
            return recipient.suite().hpke().open(sealed.enc(), recipient.pair(), info, aad, sealed.ciphertext(), null, null, null);
        } catch (InvalidCipherTextException | RuntimeException e) {
            throw new ProtocolException("wrapped key does not open with this " + recipient.suite().id()
                    + " key: it was wrapped for another recipient, another session, or was altered");
        }
    }
}
