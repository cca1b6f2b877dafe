package dev.veil.protocol.translog;

import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Ed25519 verification for the checks made once per serving request: the enclave's check of a data provider's request
 * signature, and a data provider's check of the tree head in each answer's receipt. It is BouncyCastle's (RFC 8032,
 * cofactorless, as the JDK's), measured eight times faster than the JDK's {@code Signature "Ed25519"} on the shared
 * build machine (0.36 ms against 3.0 ms per verification, warm, one thread). Like the JDK's it refuses a signature
 * whose scalar S is not below the group order (a second, malleated signature of the same message) and compares R's
 * encoding as given; {@code Ed25519CheckAgreesWithTheJdkTest} holds the two to the same verdicts.
 */
public final class Ed25519Check {
    /** RFC 8410's SubjectPublicKeyInfo prefix of an Ed25519 key, followed by its 32 bytes. */
    private static final byte[] SPKI_PREFIX = java.util.HexFormat.of().parseHex("302a300506032b6570032100");
    private static final int SIGNATURE_LENGTH = 64;

    private Ed25519Check() {
    }

    /**
     * Whether {@code signature} is {@code signingKey}'s over {@code message}; {@code signingKey} is an X.509
     * SubjectPublicKeyInfo as the JDK encodes it (a {@code PublicIdentity}'s or an instance's signing key). A key in
     * any other form, or not a point of the curve, verifies nothing.
     */
    public static boolean verify(byte[] signingKey, byte[] message, byte[] signature) {
        if (signingKey == null || signingKey.length != SPKI_PREFIX.length + 32
                || !Arrays.equals(signingKey, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)
                || signature == null || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, new Ed25519PublicKeyParameters(signingKey, SPKI_PREFIX.length));
            verifier.update(message, 0, message.length);
            return verifier.verifySignature(signature);
        } catch (RuntimeException e) {   // BouncyCastle refuses a key that is not a point of the curve
            return false;
        }
    }
}
