package dev.veil.enclave.serving;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Passes at most {@code max} bytes through; one more is an error, not a silent cut (a cut body would parse as short). */
final class BoundedInputStream extends FilterInputStream {
    /** The body went past its bound. */
    static final class TooLong extends IOException {
        TooLong(long max) {
            super("the request body is over this server's limit of " + max + " bytes");
        }
    }

    private final long max;
    private long seen;

    BoundedInputStream(InputStream in, long max) {
        super(in);
        this.max = max;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    private void count(int n) throws TooLong {
        seen += n;
        if (seen > max) {
            throw new TooLong(max);
        }
    }
}
