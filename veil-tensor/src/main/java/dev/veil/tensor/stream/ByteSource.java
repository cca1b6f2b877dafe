package dev.veil.tensor.stream;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Bytes read through one fixed buffer: the parsers look at {@code buf[pos, lim)} and ask for more with
 * {@link #refill()}, which keeps the unread bytes. Over a byte array already in memory the array itself is the
 * buffer, so whole-buffer reads copy nothing.
 */
final class ByteSource {
    final byte[] buf;
    int pos;
    int lim;
    private final InputStream in;
    private final boolean owned;
    private boolean eof;

    private ByteSource(InputStream in, byte[] buf, int lim, boolean owned) {
        this.in = in;
        this.buf = buf;
        this.lim = lim;
        this.owned = owned;
        this.eof = in == null;
    }

    static ByteSource over(InputStream in, int bufferBytes) {
        return new ByteSource(in, new byte[bufferBytes], 0, true);
    }

    static ByteSource of(byte[] whole) {
        return new ByteSource(null, whole, whole.length, false);
    }

    int available() {
        return lim - pos;
    }

    /** Whether all the data is already in the buffer (an array read in place): then its length is known up front. */
    boolean whole() {
        return in == null;
    }

    /**
     * Moves the unread bytes to the front of the buffer and reads more after them. Returns the number of bytes read,
     * 0 when the buffer is full of unread bytes, -1 when the stream is over.
     */
    int refill() throws IOException {
        if (eof) {
            return -1;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        if (lim == buf.length) {
            return 0;
        }
        int n;
        do {
            n = in.read(buf, lim, buf.length - lim);
        } while (n == 0);
        if (n < 0) {
            eof = true;
            return -1;
        }
        lim += n;
        return n;
    }

    /** Makes at least {@code n} bytes available unless the stream ends (or the buffer fills) first; says whether it did. */
    boolean require(int n) throws IOException {
        while (available() < n) {
            if (refill() <= 0) {
                return false;
            }
        }
        return true;
    }

    /** Copies up to {@code len} bytes into {@code dst}, fewer only at the end of the stream; returns the count. */
    int take(byte[] dst, int len) throws IOException {
        int done = 0;
        while (done < len) {
            if (available() == 0 && refill() < 0) {
                break;
            }
            int k = Math.min(available(), len - done);
            System.arraycopy(buf, pos, dst, done, k);
            pos += k;
            done += k;
        }
        return done;
    }

    /** Zeroes the buffer when it is this source's own (never the caller's array). */
    void wipe() {
        if (owned) {
            Arrays.fill(buf, (byte) 0);
        }
    }
}
