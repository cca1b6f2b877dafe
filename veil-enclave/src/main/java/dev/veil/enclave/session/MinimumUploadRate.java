package dev.veil.enclave.session;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * A streamed upload that must keep up a minimum data rate, as web servers require of request bodies: the per-read idle
 * timeout alone lets a host trickle a byte just inside it for as long as it likes, holding a session and both keys.
 * Only the time spent waiting for the peer counts (not the time the enclave spends on the model), and the first
 * {@code grace} of waiting is free.
 */
final class MinimumUploadRate extends FilterInputStream {
    /** The rate a data provider's upload must keep once the grace is spent. */
    static final long BYTES_PER_SECOND = 64 * 1024;

    /** The upload fell below the minimum rate. */
    static final class TooSlow extends IOException {
        TooSlow(String message) {
            super(message);
        }
    }

    private final long graceNanos;
    private long waitedNanos;
    private long bytes;

    MinimumUploadRate(InputStream in, Duration grace) {
        super(in);
        this.graceNanos = grace.toNanos();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        long t = System.nanoTime();
        int n = super.read(b, off, len);
        waitedNanos += System.nanoTime() - t;
        if (n > 0) {
            bytes += n;
        }
        long owed = waitedNanos <= graceNanos ? 0 : (long) ((waitedNanos - graceNanos) / 1e9 * BYTES_PER_SECOND);
        if (bytes < owed) {
            throw new TooSlow("the data provider's upload ran slower than " + BYTES_PER_SECOND / 1024 + " KiB/s (" + bytes
                    + " bytes in " + waitedNanos / 1_000_000 + " ms of waiting); the session is ended so that it does not hold "
                    + "the keys for a trickled upload");
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        return read(new byte[(int) Math.min(n, 1 << 16)]);
    }
}
