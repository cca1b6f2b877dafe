package dev.veil.seal.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;

/** Encrypts a plaintext stream into segments; see {@link GcmHkdfStream} for the construction. */
public final class StreamEncrypter {
    private StreamEncrypter() {
    }

    /**
     * Reads {@code in} to its end and writes the stream header and all segments to {@code out}.
     * @param onSegment called with the count of plaintext bytes consumed so far, after each read of a segment's worth
     * @return the number of plaintext bytes encrypted
     */
    public static long encrypt(byte[] key, byte[] associatedData, int segmentSize, InputStream in, OutputStream out,
                               java.util.function.LongConsumer onSegment) throws IOException, GeneralSecurityException {
        EncryptingOutputStream enc = new EncryptingOutputStream(key, associatedData, segmentSize, out);
        byte[] buf = new byte[GcmHkdfStream.plaintextSegmentSize(segmentSize)];
        try {
            int n;
            while ((n = readFully(in, buf, buf.length)) > 0) {
                enc.write(buf, 0, n);
                onSegment.accept(enc.plaintextLength());
            }
            enc.close();
            return enc.plaintextLength();
        } finally {
            enc.discard();
            java.util.Arrays.fill(buf, (byte) 0);
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
