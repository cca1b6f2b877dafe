package dev.veil.seal.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;

/**
 * Encrypts what is written into segments (see {@link GcmHkdfStream}), pushing them to {@code out} as they fill. A
 * segment is known to be the last only when {@link #close()} comes, as in Tink: a full segment is held back until the
 * next byte is written. Memory is two segments, whatever the length. Closing writes the last segment and wipes the
 * plaintext buffer; it does not close {@code out}.
 */
public final class EncryptingOutputStream extends OutputStream {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final OutputStream out;
    private final GcmHkdfStream stream;
    private final byte[] plain;
    private final byte[] cipherOut;
    private int capacity;
    private int filled;
    private long segment;
    private long total;
    private boolean closed;

    public EncryptingOutputStream(byte[] key, byte[] associatedData, int segmentSize, OutputStream out) throws IOException {
        byte[] salt = new byte[GcmHkdfStream.KEY_SIZE];
        byte[] noncePrefix = new byte[GcmHkdfStream.NONCE_PREFIX_SIZE];
        RANDOM.nextBytes(salt);
        RANDOM.nextBytes(noncePrefix);
        try {
            this.stream = new GcmHkdfStream(key, salt, noncePrefix, associatedData);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
        this.out = out;
        this.plain = new byte[GcmHkdfStream.plaintextSegmentSize(segmentSize)];
        this.cipherOut = new byte[segmentSize];
        this.capacity = GcmHkdfStream.firstPlaintextSegmentSize(segmentSize);
        out.write(GcmHkdfStream.STREAM_HEADER_SIZE);
        out.write(salt);
        out.write(noncePrefix);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        while (len > 0) {
            if (filled == capacity) {
                encryptSegment(false);   // more bytes follow: the full segment is not the last
            }
            int n = Math.min(len, capacity - filled);
            System.arraycopy(b, off, plain, filled, n);
            filled += n;
            off += n;
            len -= n;
            total += n;
        }
    }

    /** Plaintext bytes written so far. */
    public long plaintextLength() {
        return total;
    }

    private void encryptSegment(boolean last) throws IOException {
        try {
            int n = stream.process(Cipher.ENCRYPT_MODE, segment, last, plain, filled, cipherOut);
            out.write(cipherOut, 0, n);
        } catch (GeneralSecurityException e) {
            throw new IOException("segment " + segment + " could not be encrypted: " + e.getMessage(), e);
        }
        segment++;
        filled = 0;
        capacity = plain.length;
    }

    /** Gives the stream up without writing its last segment (what was written can never verify); wipes the buffer. */
    public void discard() {
        if (!closed) {
            closed = true;
            Arrays.fill(plain, (byte) 0);
            stream.destroy();
        }
    }

    /** Writes the last segment; the stream is complete only after this. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            encryptSegment(true);
            out.flush();
        } finally {
            Arrays.fill(plain, (byte) 0);
            stream.destroy();
        }
    }
}
