package dev.veil.seal.stream;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

/**
 * The plaintext of a segmented stream, pulled segment by segment: a byte is handed out only after its segment's tag
 * verified, and the end of the plaintext is reported only after the segment sealed as "last" verified, so a stream cut
 * at a segment boundary ends in {@link Tampered}, never in a clean end. Memory is two segments, whatever the length.
 */
public final class DecryptingInputStream extends InputStream {
    /** Authentication failed; {@link #segment()} is the zero-based number of the first segment that failed. */
    public static final class Tampered extends IOException {
        private final long segment;

        Tampered(long segment, String message) {
            super(message);
            this.segment = segment;
        }

        public long segment() {
            return segment;
        }
    }

    private final InputStream in;
    private final int segmentSize;
    private final GcmHkdfStream stream;
    /** One ciphertext segment plus one look-ahead byte, which tells whether this segment is the last. */
    private final byte[] buf;
    private final byte[] plain;
    private int plainPos;
    private int plainLen;
    private long segment;
    private int want;
    private int have;
    private boolean lastVerified;
    private boolean closed;

    private DecryptingInputStream(InputStream in, int segmentSize, GcmHkdfStream stream) {
        this.in = in;
        this.segmentSize = segmentSize;
        this.stream = stream;
        this.buf = new byte[segmentSize + 1];
        this.plain = new byte[segmentSize];
        this.want = segmentSize - GcmHkdfStream.STREAM_HEADER_SIZE;
        this.have = -1;
    }

    /** Reads the stream header from {@code in}; segments are read and verified as the plaintext is pulled. */
    public static DecryptingInputStream open(byte[] key, byte[] associatedData, int segmentSize, InputStream in)
            throws IOException {
        byte[] header = new byte[GcmHkdfStream.STREAM_HEADER_SIZE];
        if (StreamEncrypter.readFully(in, header, header.length) != header.length) {
            throw new Tampered(0, "stream header is truncated");
        }
        if ((header[0] & 0xff) != GcmHkdfStream.STREAM_HEADER_SIZE) {
            throw new Tampered(0, "stream header length byte is " + (header[0] & 0xff) + ", expected "
                    + GcmHkdfStream.STREAM_HEADER_SIZE);
        }
        byte[] salt = Arrays.copyOfRange(header, 1, 1 + GcmHkdfStream.KEY_SIZE);
        byte[] noncePrefix = Arrays.copyOfRange(header, 1 + GcmHkdfStream.KEY_SIZE, header.length);
        try {
            return new DecryptingInputStream(in, segmentSize, new GcmHkdfStream(key, salt, noncePrefix, associatedData));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        while (plainPos == plainLen) {
            if (lastVerified) {
                return -1;
            }
            nextSegment();
        }
        int n = Math.min(len, plainLen - plainPos);
        System.arraycopy(plain, plainPos, b, off, n);
        plainPos += n;
        return n;
    }

    private void nextSegment() throws IOException {
        if (have < 0) {
            have = StreamEncrypter.readFully(in, buf, want + 1);
        } else {
            // Move the look-ahead byte to the front and read the rest of the next segment.
            buf[0] = buf[want];
            want = segmentSize;
            have = 1 + StreamEncrypter.readFully(in, buf, 1, want);
            segment++;
        }
        boolean last = have <= want;
        int len = last ? have : want;
        if (len < GcmHkdfStream.TAG_SIZE) {
            throw new Tampered(segment, "segment " + segment + " is truncated");
        }
        try {
            plainLen = stream.process(Cipher.DECRYPT_MODE, segment, last, buf, len, plain);
        } catch (AEADBadTagException e) {
            throw new Tampered(segment, "segment " + segment + " failed authentication");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
        plainPos = 0;
        lastVerified = last;
    }

    /** Wipes the plaintext buffer and the derived key; does not close the underlying stream. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Arrays.fill(plain, (byte) 0);
            stream.destroy();
        }
    }
}
