package dev.veil.protocol.keyrelease;

import dev.veil.protocol.json.ProtocolException;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.hpke.HPKEContext;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

/**
 * HPKE base mode (RFC 9180 §5.1) that also exports a secret from the message's context (§5.3): what Oblivious HTTP
 * (RFC 9458 §4.4) derives its response key from. {@link Hpke} is single-shot and cannot export; this keeps
 * BouncyCastle's context types inside this package, as {@link Hpke} does its key types.
 */
public final class HpkeExport {
    private HpkeExport() {
    }

    /** An opened message and the secret its recipient exported (equal to the sender's). */
    public record Opened(byte[] plaintext, byte[] exported) {
    }

    /** Length of {@code enc} in this suite: 32 bytes for X25519, 1120 for ML-KEM-768 + X25519. */
    public static int encLength(KeyWrapSuite suite) {
        return suite.hpke().getEncSize();
    }

    /**
     * A sender's context: {@code enc} is known before anything is sealed, so a message can bind the encapsulation it
     * travels in (Veil's data providers sign it into their requests).
     */
    public static final class Sender {
        private final HPKEContextWithEncapsulation context;

        private Sender(HPKEContextWithEncapsulation context) {
            this.context = context;
        }

        public byte[] enc() {
            return context.getEncapsulation().clone();
        }

        /** Seals the context's first (and, in Veil, only) message. */
        public byte[] seal(byte[] aad, byte[] plaintext) throws ProtocolException {
            try {
                return context.seal(aad, plaintext);
            } catch (InvalidCipherTextException | RuntimeException e) {
                throw new ProtocolException("HPKE seal failed");
            }
        }

        public byte[] export(byte[] exportContext, int length) {
            return context.export(exportContext, length);
        }
    }

    /** Sets up a sender context to {@code recipientPublicKey} (a fresh ephemeral key, so a fresh {@code enc}). */
    public static Sender sender(KeyWrapSuite suite, byte[] recipientPublicKey, byte[] info) throws ProtocolException {
        HPKE hpke = suite.hpke();
        AsymmetricKeyParameter pk;
        try {
            pk = hpke.deserializePublicKey(recipientPublicKey);
        } catch (RuntimeException e) {
            throw new ProtocolException("recipient's " + suite.id() + " public key is malformed");
        }
        try {
            return new Sender(hpke.setupBaseS(pk, info));
        } catch (RuntimeException e) {
            throw new ProtocolException("HPKE setup failed for " + suite.id() + " recipient key");
        }
    }

    public static Opened open(KemKeyPair recipient, byte[] enc, byte[] info, byte[] aad, byte[] ciphertext,
                              byte[] exportContext, int exportLength) throws ProtocolException {
        try {
            HPKEContext context = recipient.suite().hpke().setupBaseR(enc, recipient.pair(), info);
            byte[] plaintext = context.open(aad, ciphertext);
            return new Opened(plaintext, context.export(exportContext, exportLength));
        } catch (InvalidCipherTextException | RuntimeException e) {
            throw new ProtocolException("message does not open with this " + recipient.suite().id()
                    + " key: it was sealed to another key or for another purpose, or was altered");
        }
    }
}
