package dev.veil.enclave.session;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * A streamed upload that must keep up a minimum data rate, as web servers require of request bodies: the per-read idle
 * timeout alone lets a host trickle a byte just inside it for as long as it likes, holding a session and both keys.
 * Only the time spent waiting for the peer counts (not the time the enclave spends on the model). The rate is required
 * in every window of {@code window} of waiting, not on average over the upload, so bytes sent fast at first buy no
 * credit for a trickle later.
 */
final class MinimumUploadRate extends FilterInputStream {
    /** The rate an upload (the model provider's or the data provider's) must keep in every window. */
    static final long BYTES_PER_SECOND = 64 * 1024;

    /** The upload fell below the minimum rate. */
    static final class TooSlow extends IOException {
        TooSlow(String message) {
            super(message);
        }
    }

    private final long windowNanos;
    private long waitedNanos;
    private long windowStart;
    private long windowBytes;

    MinimumUploadRate(InputStream in, Duration window) {
        super(in);
        this.windowNanos = window.toNanos();
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
            windowBytes += n;
        }
        long inWindow = waitedNanos - windowStart;
        if (n >= 0 && inWindow >= windowNanos) {
            long owed = (long) (inWindow / 1e9 * BYTES_PER_SECOND);
            if (windowBytes < owed) {
                throw new TooSlow("the upload ran slower than " + BYTES_PER_SECOND / 1024 + " KiB/s (" + windowBytes
                        + " bytes in " + inWindow / 1_000_000 + " ms of waiting); the session is ended so that it does not hold "
                        + "the keys for a trickled upload");
            }
            windowStart = waitedNanos;
            windowBytes = 0;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        return Math.max(0, read(new byte[(int) Math.min(n, 1 << 16)]));
    }
}
