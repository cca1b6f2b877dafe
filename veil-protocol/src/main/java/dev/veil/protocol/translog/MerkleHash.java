package dev.veil.protocol.translog;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * RFC 9162 §2.1 tree hashing with SHA-256: a leaf is {@code SHA-256(0x00 || leaf)}, an interior node
 * {@code SHA-256(0x01 || left || right)}, and the empty tree {@code SHA-256("")}. The distinct prefixes keep a leaf
 * from ever being taken for a node (the second-preimage attack on unprefixed Merkle trees).
 */
public final class MerkleHash {
    /** Every hash in the log is a SHA-256 digest. */
    public static final int LENGTH = 32;
    private static final byte LEAF_PREFIX = 0x00;
    private static final byte NODE_PREFIX = 0x01;
    private static final byte[] EMPTY_ROOT = sha256().digest();

    private MerkleHash() {
    }

    /** The root of the tree of no leaves. */
    public static byte[] emptyRoot() {
        return EMPTY_ROOT.clone();
    }

    public static byte[] leaf(byte[] leafInput) {
        MessageDigest md = sha256();
        md.update(LEAF_PREFIX);
        md.update(leafInput);
        return md.digest();
    }

    public static byte[] node(byte[] left, byte[] right) {
        MessageDigest md = sha256();
        md.update(NODE_PREFIX);
        md.update(left);
        md.update(right);
        return md.digest();
    }

    /** Constant-time equality of two hashes. */
    public static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
