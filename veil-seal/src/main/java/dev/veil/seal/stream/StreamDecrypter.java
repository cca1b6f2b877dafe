package dev.veil.seal.stream;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

/**
 * Decrypts a segmented stream, handing each authenticated plaintext segment to a sink. A segment reaches the sink
 * only after its tag verified; truncation at a segment boundary is caught because the previous segment was not
 * sealed as "last"; appended bytes are caught because they turn the real last segment into a non-last one.
 */
public final class StreamDecrypter {
    /** Receives authenticated plaintext. The array is reused after the call returns. */
    public interface SegmentSink {
        void accept(byte[] plaintext, int length) throws IOException;
    }

    /** Authentication failed; {@code segment} is the zero-based number of the first segment that failed. */
    public static final class TamperedException extends Exception {
        private final long segment;

        TamperedException(long segment, String message) {
            super(message);
            this.segment = segment;
        }

        public long segment() {
            return segment;
        }
    }

    private StreamDecrypter() {
    }

    public static long decrypt(byte[] key, byte[] associatedData, int segmentSize, InputStream in, SegmentSink sink)
            throws IOException, GeneralSecurityException, TamperedException {
        byte[] header = new byte[GcmHkdfStream.STREAM_HEADER_SIZE];
        if (StreamEncrypter.readFully(in, header, header.length) != header.length) {
            throw new TamperedException(0, "stream header is truncated");
        }
        if ((header[0] & 0xff) != GcmHkdfStream.STREAM_HEADER_SIZE) {
            throw new TamperedException(0, "stream header length byte is " + (header[0] & 0xff)
                    + ", expected " + GcmHkdfStream.STREAM_HEADER_SIZE);
        }
        byte[] salt = java.util.Arrays.copyOfRange(header, 1, 1 + GcmHkdfStream.KEY_SIZE);
        byte[] noncePrefix = java.util.Arrays.copyOfRange(header, 1 + GcmHkdfStream.KEY_SIZE, header.length);
        GcmHkdfStream stream = new GcmHkdfStream(key, salt, noncePrefix, associatedData);
        // Read one byte beyond a full segment so we know whether this segment is the last one.
        byte[] buf = new byte[segmentSize + 1];
        byte[] plain = new byte[segmentSize];
        try {
            int want = segmentSize - GcmHkdfStream.STREAM_HEADER_SIZE;
            int have = StreamEncrypter.readFully(in, buf, want + 1);
            long segment = 0;
            long total = 0;
            while (true) {
                boolean last = have <= want;
                int len = last ? have : want;
                if (len < GcmHkdfStream.TAG_SIZE) {
                    throw new TamperedException(segment, "segment " + segment + " is truncated");
                }
                int n;
                try {
                    n = stream.process(Cipher.DECRYPT_MODE, segment, last, buf, len, plain);
                } catch (AEADBadTagException e) {
                    throw new TamperedException(segment, "segment " + segment + " failed authentication");
                }
                sink.accept(plain, n);
                total += n;
                if (last) {
                    break;
                }
                // Move the look-ahead byte to the front and read the rest of the next segment.
                buf[0] = buf[want];
                want = segmentSize;
                have = 1 + StreamEncrypter.readFully(in, buf, 1, want);
                segment++;
            }
            java.util.Arrays.fill(plain, (byte) 0);
            return total;
        } finally {
            stream.destroy();
        }
    }
}
