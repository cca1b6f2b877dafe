package dev.veil.attest.sim;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;

/**
 * The root of the simulated platform's certificate chain. Its private key is derived from a public string, on
 * purpose: anyone can produce valid-looking sim evidence, so sim evidence proves nothing, and no one can mistake the
 * simulation for a secret-holding authority. Verifiers pin its public key like a hardware vendor's root, but accept
 * the platform only when the policy says {@code allow_simulated}.
 */
public final class SimRoot {
    public static final String SEED = "Veil simulated TEE root v1 - INSECURE - this private key is public";
    public static final String SUBJECT = "CN=Veil Simulated TEE Root (INSECURE),O=Veil";

    private static final ECParameterSpec P384;
    private static final BigInteger D;
    private static final PublicKey PUBLIC;

    static {
        try {
            AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
            ap.init(new ECGenParameterSpec("secp384r1"));
            P384 = ap.getParameterSpec(ECParameterSpec.class);
            X9ECParameters curve = CustomNamedCurves.getByName("secp384r1");
            BigInteger n = curve.getN();
            byte[] h = MessageDigest.getInstance("SHA-384").digest(SEED.getBytes(StandardCharsets.US_ASCII));
            D = new BigInteger(1, h).mod(n.subtract(BigInteger.ONE)).add(BigInteger.ONE);
            org.bouncycastle.math.ec.ECPoint q = curve.getG().multiply(D).normalize();
            PUBLIC = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(
                    new java.security.spec.ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()), P384));
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private SimRoot() {
    }

    public static PublicKey publicKey() {
        return PUBLIC;
    }

    /** The root's private key. Public knowledge by construction — that is the point of the simulation. */
    public static PrivateKey insecurePrivateKey() {
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(D, P384));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECParameterSpec p384() {
        return P384;
    }
}
