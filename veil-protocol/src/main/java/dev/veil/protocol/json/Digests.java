package dev.veil.protocol.json;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256/SHA-512 with a domain-separation label, so a digest made for one purpose never matches another. */
public final class Digests {
    private Digests() {
    }

    public static byte[] sha256(byte[]... parts) {
        return digest("SHA-256", parts);
    }

    /** SHA-256 over a label, then each part prefixed by its 4-byte length (unambiguous concatenation). */
    public static byte[] labelled256(String label, byte[]... parts) {
        return labelled("SHA-256", label, parts);
    }

    public static byte[] labelled512(String label, byte[]... parts) {
        return labelled("SHA-512", label, parts);
    }

    public static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static byte[] labelled(String alg, String label, byte[]... parts) {
        MessageDigest md = md(alg);
        md.update(label.getBytes(StandardCharsets.US_ASCII));
        md.update((byte) 0);
        for (byte[] p : parts) {
            md.update(new byte[] {(byte) (p.length >>> 24), (byte) (p.length >>> 16), (byte) (p.length >>> 8), (byte) p.length});
            md.update(p);
        }
        return md.digest();
    }

    private static byte[] digest(String alg, byte[]... parts) {
        MessageDigest md = md(alg);
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }

    private static MessageDigest md(String alg) {
        try {
            return MessageDigest.getInstance(alg);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
