package dev.veil.protocol.identity;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The one accepted encoding of each public key an identity holds. Keys are compared and fingerprinted byte for byte,
 * so a second encoding of the same key (an Ed25519 SubjectPublicKeyInfo with explicit NULL parameters, long-form DER
 * lengths or trailing bytes, all of which some JDKs' KeyFactory accept; an X25519 u-coordinate with its unused top
 * bit set or not reduced mod p) would make one key holder look like two parties with two fingerprints.
 */
public final class CanonicalKeys {
    /** RFC 8410 §4: SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (33 bytes: no unused bits, 32-byte key) }. */
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final int RAW_LENGTH = 32;
    /** 2^255 - 19, the field prime of Curve25519 and edwards25519. */
    private static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));

    private CanonicalKeys() {
    }

    /** Why {@code spki} is not the RFC 8410 encoding of an Ed25519 key with a canonical point encoding, or null. */
    public static String ed25519Problem(byte[] spki) {
        if (spki == null || spki.length != ED25519_SPKI_PREFIX.length + RAW_LENGTH
                || !Arrays.equals(spki, 0, ED25519_SPKI_PREFIX.length, ED25519_SPKI_PREFIX, 0, ED25519_SPKI_PREFIX.length)) {
            return "signing key is not an Ed25519 key in its one RFC 8410 encoding (44 bytes, no algorithm parameters)";
        }
        // RFC 8032 §5.1.3: the y-coordinate (the low 255 bits) must be below p; y+p would be a second name for the key.
        if (!belowP(Arrays.copyOfRange(spki, ED25519_SPKI_PREFIX.length, spki.length))) {
            return "signing key is not a canonically encoded Ed25519 point";
        }
        return null;
    }

    /** Why {@code u} is not a canonical X25519 public key (32 bytes, top bit clear, below p), or null. */
    public static String x25519Problem(byte[] u) {
        if (u == null || u.length != RAW_LENGTH) {
            return "key-agreement key is not a 32-byte X25519 public key";
        }
        if ((u[RAW_LENGTH - 1] & 0x80) != 0 || !belowP(u)) {
            return "key-agreement key is not a canonically encoded X25519 public key (top bit set or not reduced mod p)";
        }
        return null;
    }

    /** The canonical form of a 32-byte X25519 u-coordinate as RFC 7748 §5 reads it: top bit ignored, reduced mod p. */
    public static byte[] x25519Reduced(byte[] u) {
        BigInteger v = littleEndian(u).clearBit(255).mod(P);
        byte[] be = v.toByteArray();
        byte[] le = new byte[RAW_LENGTH];
        for (int i = 0; i < RAW_LENGTH && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    private static boolean belowP(byte[] littleEndian32) {
        return littleEndian(littleEndian32).clearBit(255).compareTo(P) < 0;
    }

    private static BigInteger littleEndian(byte[] b) {
        byte[] be = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            be[i] = b[b.length - 1 - i];
        }
        return new BigInteger(1, be);
    }
}
