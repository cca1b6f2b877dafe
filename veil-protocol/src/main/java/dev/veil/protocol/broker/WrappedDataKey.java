package dev.veil.protocol.broker;

import dev.veil.protocol.json.Digests;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * A Parquet data key wrapped under a broker's master key (AES-256-GCM), in the text form Parquet Modular Encryption
 * stores in the file's key material: {@code "v1:" ‖ base64url(iv (12) ‖ ciphertext ‖ tag (16))}, unpadded. One
 * spelling only: another prefix, padding, or a length that is not a 16-, 24- or 32-byte key is refused. The GCM aad
 * ({@link #aad}, {@link #instanceAad}) binds the master-key id and who wrapped it, so a key wrapped under one id never
 * unwraps as another's, and one an instance wrapped never as one the provider wrapped, nor for another instance.
 */
public record WrappedDataKey(byte[] iv, byte[] ciphertext) {
    public static final String PREFIX = "v1:";
    public static final int IV_LENGTH = 12;
    public static final int TAG_LENGTH = 16;
    /** The key lengths Parquet Modular Encryption uses (AES-128, -192, -256). */
    public static final int[] DATA_KEY_LENGTHS = {16, 24, 32};
    private static final int MAX_TEXT = PREFIX.length() + 4 * (IV_LENGTH + 32 + TAG_LENGTH) / 3 + 4;

    public WrappedDataKey {
        if (iv == null || iv.length != IV_LENGTH) {
            throw new IllegalArgumentException("a wrapped data key's iv is " + IV_LENGTH + " bytes");
        }
        if (ciphertext == null || !holdsADataKey(ciphertext.length)) {
            throw new IllegalArgumentException("a wrapped data key holds a 16-, 24- or 32-byte key and its tag");
        }
        iv = iv.clone();
        ciphertext = ciphertext.clone();
    }

    private static boolean holdsADataKey(int ciphertextLength) {
        return Arrays.stream(DATA_KEY_LENGTHS).anyMatch(n -> n + TAG_LENGTH == ciphertextLength);
    }

    public static WrappedDataKey parse(String text) {
        if (text == null || text.length() > MAX_TEXT || !text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("wrapped key is not a Veil broker's wrapped data key (\"" + PREFIX + "\" and base64url)");
        }
        String b64 = text.substring(PREFIX.length());
        if (!b64.matches("[A-Za-z0-9_-]*")) {
            throw new IllegalArgumentException("wrapped key is not unpadded base64url after \"" + PREFIX + "\"");
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("wrapped key is not unpadded base64url after \"" + PREFIX + "\"");
        }
        if (raw.length < IV_LENGTH) {
            throw new IllegalArgumentException("wrapped key is too short");
        }
        WrappedDataKey k = new WrappedDataKey(Arrays.copyOf(raw, IV_LENGTH), Arrays.copyOfRange(raw, IV_LENGTH, raw.length));
        if (!k.text().equals(text)) {
            throw new IllegalArgumentException("wrapped key is not in its one canonical base64url spelling");
        }
        return k;
    }

    public String text() {
        byte[] raw = new byte[iv.length + ciphertext.length];
        System.arraycopy(iv, 0, raw, 0, iv.length);
        System.arraycopy(ciphertext, 0, raw, iv.length, ciphertext.length);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** The aad of a data key the provider wrapped (an instance's input key). */
    public static byte[] aad(String masterKeyId) {
        return Digests.labelled256("veil master key wrap v1", masterKeyId.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * The aad of a data key an instance wrapped (its own output or scratch keys): another label and the wrapping
     * instance's keys digest, so it never opens as a key the provider wrapped, nor for any other instance.
     */
    public static byte[] instanceAad(String masterKeyId, byte[] instanceKeysDigest) {
        return Digests.labelled256("veil master key wrap by instance v1", masterKeyId.getBytes(StandardCharsets.US_ASCII),
                instanceKeysDigest);
    }

    @Override
    public byte[] iv() {
        return iv.clone();
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }
}
