package dev.veil.protocol.results;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** A source that must give exactly the announced number of bytes: more or fewer is an error, not a silent change. */
final class ExactLengthInputStream extends FilterInputStream {
    private long left;

    ExactLengthInputStream(InputStream in, long length) {
        super(in);
        this.left = length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        // One byte beyond the announced length is asked for at the end, to see that the source ends there.
        int n = super.read(b, off, (int) Math.min(len, left == 0 ? 1 : left));
        if (n < 0) {
            if (left != 0) {
                throw new IOException("the output ended " + left + " bytes before its announced length");
            }
            return -1;
        }
        if (left == 0) {
            throw new IOException("the output is longer than its announced length");
        }
        left -= n;
        return n;
    }
}
