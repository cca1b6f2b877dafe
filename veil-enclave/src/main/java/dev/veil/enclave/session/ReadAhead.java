package dev.veil.enclave.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream ahead on a thread of its own, so that receiving and decrypting the dataset (socket, frames, AES-GCM,
 * SHA-256) overlap with parsing it instead of running one after the other on the reader's thread. The two meet in
 * {@link #CHUNKS} buffers of {@link #CHUNK_BYTES}, allocated once and reused, so a slow parser holds the read-ahead
 * back and memory does not grow. The source's own failures reach the reader as they were thrown; every buffer is
 * zeroed on close, which also stops the thread (cutting the source under it if it is blocked in a read).
 */
final class ReadAhead extends InputStream {
    static final int CHUNK_BYTES = 64 * 1024;
    static final int CHUNKS = 4;
    /** How long a stopped read-ahead may take to notice before its source is cut under it. */
    private static final long STOP_MS = 1000;

    /** Filled bytes, or the source's end, or its failure. */
    private record Chunk(byte[] bytes, int length, IOException failure) {
        static final Chunk END = new Chunk(null, 0, null);
    }

    private final InputStream source;
    private final Runnable cut;
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS);
    private final BlockingQueue<Chunk> filled = new ArrayBlockingQueue<>(CHUNKS + 1);
    private final List<byte[]> all = new ArrayList<>(CHUNKS);
    private final Thread thread;
    private Chunk current;
    private int pos;
    private boolean ended;
    private boolean closed;

    /** @param cut ends a read of {@code source} blocked in another thread (e.g. shuts the connection's input down) */
    ReadAhead(InputStream source, Runnable cut) {
        this.source = source;
        this.cut = cut;
        for (int i = 0; i < CHUNKS; i++) {
            byte[] b = new byte[CHUNK_BYTES];
            all.add(b);
            free.add(b);
        }
        thread = new Thread(this::fill, "veil-read-ahead");
        thread.setDaemon(true);
        thread.start();
    }

    private void fill() {
        try {
            while (true) {
                byte[] b = free.take();
                int n = source.readNBytes(b, 0, b.length);
                if (n > 0) {
                    filled.put(new Chunk(b, n, null));
                }
                if (n < b.length) {   // readNBytes gives less only at the end
                    filled.put(Chunk.END);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();   // closed: nobody reads on
        } catch (IOException e) {
            filled.offer(new Chunk(null, 0, e));
        } catch (RuntimeException | Error e) {
            filled.offer(new Chunk(null, 0, new IOException("the dataset's read-ahead failed (" + e.getClass().getSimpleName() + ")", e)));
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
        while (current == null || pos == current.length()) {
            if (ended) {
                return -1;
            }
            recycle();
            Chunk next;
            try {
                next = filled.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the dataset");
            }
            if (next.failure() != null) {
                ended = true;
                throw next.failure();
            }
            if (next == Chunk.END) {
                ended = true;
                return -1;
            }
            current = next;
            pos = 0;
        }
        int n = Math.min(len, current.length() - pos);
        System.arraycopy(current.bytes(), pos, b, off, n);
        pos += n;
        return n;
    }

    private void recycle() {
        if (current != null) {
            Arrays.fill(current.bytes(), (byte) 0);
            free.add(current.bytes());
            current = null;
        }
    }

    /** Stops the read-ahead (cutting its source if it is blocked in a read) and zeroes every buffer. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        thread.interrupt();
        boolean interrupted = false;
        boolean wasCut = false;
        while (thread.isAlive()) {
            try {
                thread.join(wasCut ? 0 : STOP_MS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (thread.isAlive() && !wasCut) {
                wasCut = true;
                cut.run();
            }
        }
        all.forEach(b -> Arrays.fill(b, (byte) 0));
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
