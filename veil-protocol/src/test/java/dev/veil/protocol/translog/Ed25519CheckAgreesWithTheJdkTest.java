package dev.veil.protocol.translog;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Ed25519Check} (BouncyCastle) gives the JDK's verdict: it accepts the genuine signature, and refuses, as the
 * JDK does, a malleated scalar (S + L: a second signature of the same message), every single-bit change of the
 * signature, the message or the key, and a signature under another key.
 */
class Ed25519CheckAgreesWithTheJdkTest {
    /** The order of edwards25519's prime-order subgroup (RFC 8032 §5.1). */
    private static final BigInteger L = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

    @Test
    void malleatedSignatureScalarIsRefused() throws Exception {
        KeyPair k = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] message = "a request".getBytes();
        byte[] signature = sign(k, message);
        byte[] malleated = signature.clone();
        byte[] s = Arrays.copyOfRange(signature, 32, 64);
        byte[] sPlusL = littleEndian(fromLittleEndian(s).add(L));
        System.arraycopy(sPlusL, 0, malleated, 32, 32);
        assertThat(jdk(k.getPublic().getEncoded(), message, malleated)).isFalse();
        assertThat(Ed25519Check.verify(k.getPublic().getEncoded(), message, malleated)).isFalse();
        assertThat(Ed25519Check.verify(k.getPublic().getEncoded(), message, signature)).isTrue();
    }

    @Test
    void everyOneBitChangeGetsTheJdksVerdict() throws Exception {
        KeyPair k = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] key = k.getPublic().getEncoded();
        byte[] message = new byte[48];
        new Random(3).nextBytes(message);
        byte[] signature = sign(k, message);
        for (int bit = 0; bit < 64 * 8; bit++) {
            byte[] sig = signature.clone();
            sig[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(Ed25519Check.verify(key, message, sig)).as("signature bit %d", bit).isEqualTo(jdk(key, message, sig)).isFalse();
        }
        for (int bit = 0; bit < message.length * 8; bit++) {
            byte[] m = message.clone();
            m[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(Ed25519Check.verify(key, m, signature)).as("message bit %d", bit).isEqualTo(jdk(key, m, signature)).isFalse();
        }
        for (int bit = 12 * 8; bit < key.length * 8; bit++) {   // the raw key after the SubjectPublicKeyInfo prefix
            byte[] other = key.clone();
            other[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(Ed25519Check.verify(other, message, signature)).as("key bit %d", bit).isEqualTo(jdk(other, message, signature)).isFalse();
        }
        byte[] stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
        assertThat(Ed25519Check.verify(stranger, message, signature)).isFalse();
        assertThat(Ed25519Check.verify(key, message, Arrays.copyOf(signature, 63))).isFalse();
    }

    private static byte[] sign(KeyPair k, byte[] message) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(k.getPrivate());
        s.update(message);
        return s.sign();
    }

    /** The JDK's verdict; a key it cannot read (not a point) verifies nothing. */
    private static boolean jdk(byte[] spki, byte[] message, byte[] signature) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
            s.update(message);
            return s.verify(signature);
        } catch (SignatureException | java.security.InvalidKeyException | java.security.spec.InvalidKeySpecException e) {
            return false;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger fromLittleEndian(byte[] b) {
        byte[] be = b.clone();
        for (int i = 0; i < be.length / 2; i++) {
            byte t = be[i];
            be[i] = be[be.length - 1 - i];
            be[be.length - 1 - i] = t;
        }
        return new BigInteger(1, be);
    }

    private static byte[] littleEndian(BigInteger v) {
        byte[] be = v.toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < Math.min(32, be.length); i++) {
            out[i] = be[be.length - 1 - i];
        }
        return out;
    }
}
