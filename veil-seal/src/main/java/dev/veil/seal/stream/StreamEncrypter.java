package dev.veil.seal.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;

/** Encrypts a plaintext stream into segments; see {@link GcmHkdfStream} for the construction. */
public final class StreamEncrypter {
    private StreamEncrypter() {
    }

    /**
     * Reads {@code in} to its end and writes the stream header and all segments to {@code out}.
     * @param onSegment called with the count of plaintext bytes consumed so far, after each segment
     * @return the number of plaintext bytes encrypted
     */
    public static long encrypt(byte[] key, byte[] associatedData, int segmentSize, InputStream in, OutputStream out,
                               java.util.function.LongConsumer onSegment) throws IOException, GeneralSecurityException {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[GcmHkdfStream.KEY_SIZE];
        byte[] noncePrefix = new byte[GcmHkdfStream.NONCE_PREFIX_SIZE];
        random.nextBytes(salt);
        random.nextBytes(noncePrefix);
        GcmHkdfStream stream = new GcmHkdfStream(key, salt, noncePrefix, associatedData);
        try {
            out.write(GcmHkdfStream.STREAM_HEADER_SIZE);
            out.write(salt);
            out.write(noncePrefix);

            int plainSize = GcmHkdfStream.plaintextSegmentSize(segmentSize);
            byte[] current = new byte[plainSize];
            byte[] next = new byte[plainSize];
            byte[] cipherOut = new byte[segmentSize];
            int want = GcmHkdfStream.firstPlaintextSegmentSize(segmentSize);
            int have = readFully(in, current, want);
            long segment = 0;
            long total = have;
            // A segment is only known to be the last once the next read comes back empty, as in Tink.
            while (true) {
                int nextHave = have == want ? readFully(in, next, plainSize) : 0;
                boolean last = nextHave == 0;
                int n = stream.process(Cipher.ENCRYPT_MODE, segment, last, current, have, cipherOut);
                out.write(cipherOut, 0, n);
                onSegment.accept(total);
                if (last) {
                    break;
                }
                byte[] t = current;
                current = next;
                next = t;
                have = nextHave;
                want = plainSize;
                total += have;
                segment++;
            }
            java.util.Arrays.fill(current, (byte) 0);
            java.util.Arrays.fill(next, (byte) 0);
            return total;
        } finally {
            stream.destroy();
        }
    }

    static int readFully(InputStream in, byte[] buf, int len) throws IOException {
        return readFully(in, buf, 0, len);
    }

    /** Reads until {@code len} bytes arrived at {@code buf[start..]} or the stream ended; returns bytes read. */
    static int readFully(InputStream in, byte[] buf, int start, int len) throws IOException {
        int off = 0;
        while (off < len) {
            int r = in.read(buf, start + off, len - off);
            if (r < 0) {
                break;
            }
            off += r;
        }
        return off;
    }
}
