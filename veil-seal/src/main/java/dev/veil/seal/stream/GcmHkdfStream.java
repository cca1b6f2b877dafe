package dev.veil.seal.stream;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * Constants and per-segment primitives of Tink's AES-GCM-HKDF streaming AEAD (the "STREAM" construction of
 * Hoang, Reyhanitabar, Rogaway and Vizár), with AES-256 segment keys derived by HKDF-SHA256.
 * <ul>
 *   <li>stream header: length byte (40) | salt (32) | nonce prefix (7)</li>
 *   <li>segment key = HKDF-SHA256(ikm = asset key, salt, info = associated data), 32 bytes</li>
 *   <li>segment nonce = nonce prefix | segment number (u32, big-endian) | 1 if last segment else 0</li>
 *   <li>segment = AES-GCM(plaintext) with a 16-byte tag and no per-segment associated data; every ciphertext
 *       segment is {@code segmentSize} bytes except the first (shorter by the stream header) and the last.</li>
 * </ul>
 * Byte-compatible with Tink's {@code AesGcmHkdfStreaming} (a test checks both directions).
 */
public final class GcmHkdfStream {
    public static final int KEY_SIZE = 32;
    public static final int NONCE_PREFIX_SIZE = 7;
    public static final int TAG_SIZE = 16;
    public static final int STREAM_HEADER_SIZE = 1 + KEY_SIZE + NONCE_PREFIX_SIZE;

    /**
     * A segment is encrypted in pieces of this size (GCM encryption streams, so the ciphertext is the one-shot one).
     * JDK 17 and 25 run a whole segment given in one call on a path that the JIT compiles with its AES and GHASH
     * intrinsics only after thousands of such calls, at 40-60 MB/s until then: a cold JVM sealed 38 MiB of 64 KiB
     * segments in about 1 s of CPU. In 512-byte pieces the per-call path is compiled within the first few MiB.
     */
    static final int ENCRYPT_PIECE = 512;

    private final Cipher cipher;
    private final SecretKeySpec segmentKey;
    private final byte[] noncePrefix;
    private final byte[] nonce = new byte[12];

    GcmHkdfStream(byte[] ikm, byte[] salt, byte[] noncePrefix, byte[] associatedData) throws GeneralSecurityException {
        byte[] derived = new byte[KEY_SIZE];
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(ikm, salt, associatedData));
        hkdf.generateBytes(derived, 0, derived.length);
        this.segmentKey = new SecretKeySpec(derived, "AES");
        java.util.Arrays.fill(derived, (byte) 0);
        this.noncePrefix = noncePrefix.clone();
        this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
    }

    static int firstPlaintextSegmentSize(int segmentSize) {
        return segmentSize - STREAM_HEADER_SIZE - TAG_SIZE;
    }

    static int plaintextSegmentSize(int segmentSize) {
        return segmentSize - TAG_SIZE;
    }

    /** Encrypts or decrypts one segment in place into {@code out}; returns the number of bytes written. */
    int process(int mode, long segmentNumber, boolean last, byte[] in, int inLen, byte[] out)
            throws GeneralSecurityException {
        if (segmentNumber > 0xFFFFFFFFL) {
            throw new GeneralSecurityException("too many segments");
        }
        System.arraycopy(noncePrefix, 0, nonce, 0, NONCE_PREFIX_SIZE);
        ByteBuffer.wrap(nonce, NONCE_PREFIX_SIZE, 5).putInt((int) segmentNumber).put((byte) (last ? 1 : 0));
        cipher.init(mode, segmentKey, new GCMParameterSpec(TAG_SIZE * 8, nonce));
        if (mode != Cipher.ENCRYPT_MODE) {
            return cipher.doFinal(in, 0, inLen, out, 0);   // the JDK buffers a decryption until its tag is checked
        }
        int written = 0;
        int off = 0;
        for (; inLen - off > ENCRYPT_PIECE; off += ENCRYPT_PIECE) {
            written += cipher.update(in, off, ENCRYPT_PIECE, out, written);
        }
        return written + cipher.doFinal(in, off, inLen - off, out, written);
    }

    /**
     * Wipes what this object can reach. The JCA keeps its own expanded key schedule inside the Cipher, which
     * Java gives no way to clear; see docs/MEMORY.md.
     */
    void destroy() {
        try {
            java.util.Arrays.fill(segmentKey.getEncoded(), (byte) 0);
        } catch (RuntimeException ignored) {
            // getEncoded returns a copy on most providers; nothing more can be done here.
        }
    }
}
