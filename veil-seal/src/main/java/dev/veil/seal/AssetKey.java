package dev.veil.seal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A 256-bit key that seals one asset. Holds its bytes privately, never prints them, and wipes them on
 * {@link #close()}. Its id (first 8 bytes of a domain-separated SHA-256) is public and lets a reader say
 * "wrong key" instead of "corrupt file".
 *
 * <p>Raw key bytes leave this class through one door only, {@link #withRawKeyBytes}, which lends a copy to a callback
 * and wipes it afterwards (grep for the name to find every use). Bytes that come in through {@link #fromBytes} are
 * copied; wiping the caller's array is the caller's job, done in one place per direction
 * ({@code dev.veil.protocol.keyrelease.AssetKeyWrap}).
 */
public final class AssetKey implements AutoCloseable {
    public static final int LENGTH = 32;
    public static final int KEY_ID_LENGTH = 8;
    private static final String TEXT_PREFIX = "veil-asset-key-v1:";

    private final byte[] key;
    private final byte[] id;
    private volatile boolean destroyed;

    private AssetKey(byte[] key) {
        this.key = key;
        this.id = computeId(key);
    }

    public static AssetKey generate() {
        byte[] k = new byte[LENGTH];
        new SecureRandom().nextBytes(k);
        return new AssetKey(k);
    }

    /** Takes a copy of raw key bytes (e.g. unwrapped from a key release). */
    public static AssetKey fromBytes(byte[] raw) throws SealException {
        if (raw.length != LENGTH) {
            throw new SealException("asset key must be " + LENGTH + " bytes, got " + raw.length);
        }
        return new AssetKey(raw.clone());
    }

    /** Parses the one-line text form written by {@link #toKeyFileText()}. */
    public static AssetKey fromKeyFileText(String text) throws SealException {
        String t = text.strip();
        if (!t.startsWith(TEXT_PREFIX)) {
            throw new SealException("not a Veil asset key file (expected it to start with '" + TEXT_PREFIX + "')");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(t.substring(TEXT_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new SealException("asset key file is malformed (invalid base64)");
        }
        try {
            return fromBytes(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** Text for a 0600 key file. The caller owns the returned secret string. */
    public String toKeyFileText() {
        return withRawKeyBytes(raw -> TEXT_PREFIX + Base64.getEncoder().encodeToString(raw) + "\n");
    }

    /** What a caller does with lent key bytes; it must not keep the array, which is wiped when it returns. */
    @FunctionalInterface
    public interface RawKeyUse<T, E extends Exception> {
        T apply(byte[] rawKey) throws E;
    }

    /**
     * The one door for key bytes out of this class: lends a copy to {@code use} and wipes the copy when it returns or
     * throws. Used to wrap the key to a recipient (HPKE) and to write the key file.
     */
    public <T, E extends Exception> T withRawKeyBytes(RawKeyUse<T, E> use) throws E {
        byte[] copy = bytes();
        try {
            return use.apply(copy);
        } finally {
            Arrays.fill(copy, (byte) 0);
        }
    }

    public byte[] id() {
        return id.clone();
    }

    public String idHex() {
        return HexFormat.of().formatHex(id);
    }

    /** A copy of the key bytes, for this package's tests; everyone else goes through {@link #withRawKeyBytes}. */
    byte[] bytes() {
        if (destroyed) {
            throw new IllegalStateException("asset key was destroyed");
        }
        return key.clone();
    }

    byte[] rawForCipher() {
        if (destroyed) {
            throw new IllegalStateException("asset key was destroyed");
        }
        return key;
    }

    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public void close() {
        Arrays.fill(key, (byte) 0);
        destroyed = true;
    }

    @Override
    public String toString() {
        return "AssetKey[id=" + idHex() + "]";
    }

    private static byte[] computeId(byte[] key) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update("veil asset key id v1".getBytes(StandardCharsets.US_ASCII));
            md.update(key);
            return Arrays.copyOf(md.digest(), KEY_ID_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
