package dev.veil.enclave.inference;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * The inference worker's standard input: the enclave's requests. Numbers and strings are read through one buffer
 * (big-endian, as {@link java.io.DataOutputStream} wrote them); a tensor's bytes are read from the pipe straight into
 * the direct buffer ONNX Runtime then reads ({@link #readFully(ByteBuffer)}), so the data provider's values are copied
 * once, by the kernel, instead of through a stream's buffer and a chunk on the Java heap. The buffer can hold the first
 * bytes of a tensor read ahead with its header: {@link #wipeConsumed()} zeroes what was read of it after each request.
 */
final class PipeInput {
    private static final byte[] ZEROS = new byte[4096];
    private final ReadableByteChannel channel;
    /** Bytes read from the pipe: those between position and limit are not consumed yet. */
    private final ByteBuffer buffer;

    PipeInput(ReadableByteChannel channel, int bufferBytes) {
        this.channel = channel;
        this.buffer = ByteBuffer.allocateDirect(bufferBytes);
        buffer.limit(0);
    }

    /** The next byte, or -1 at the end of the input (between requests, where the enclave may close it). */
    int read() throws IOException {
        return fill(1, false) ? buffer.get() & 0xff : -1;
    }

    int readUnsignedByte() throws IOException {
        fill(1, true);
        return buffer.get() & 0xff;
    }

    int readUnsignedShort() throws IOException {
        fill(2, true);
        return buffer.getShort() & 0xffff;
    }

    int readInt() throws IOException {
        fill(4, true);
        return buffer.getInt();
    }

    long readLong() throws IOException {
        fill(8, true);
        return buffer.getLong();
    }

    void readFully(byte[] b) throws IOException {
        for (int off = 0; off < b.length; ) {
            fill(1, true);
            int n = Math.min(b.length - off, buffer.remaining());
            buffer.get(b, off, n);
            off += n;
        }
    }

    /** Fills {@code dst} from its position to its limit: what the buffer holds first, the rest straight from the pipe. */
    void readFully(ByteBuffer dst) throws IOException {
        int n = Math.min(buffer.remaining(), dst.remaining());
        if (n > 0) {
            ByteBuffer part = buffer.duplicate();
            part.limit(part.position() + n);
            dst.put(part);
            buffer.position(buffer.position() + n);
        }
        while (dst.hasRemaining()) {
            if (channel.read(dst) < 0) {
                throw new EOFException();
            }
        }
    }

    /** Zeroes the bytes consumed so far (a request's header and a tensor's first bytes); unconsumed ones are kept. */
    void wipeConsumed() {
        buffer.compact();   // the unconsumed bytes move to the front; behind them, stale bytes are zeroed
        ByteBuffer stale = buffer.duplicate();
        while (stale.hasRemaining()) {
            stale.put(ZEROS, 0, Math.min(ZEROS.length, stale.remaining()));
        }
        buffer.flip();
    }

    /** Makes {@code need} bytes available; false (or EOF when {@code required}) when the input ends before any. */
    private boolean fill(int need, boolean required) throws IOException {
        if (buffer.remaining() >= need) {
            return true;
        }
        buffer.compact();
        try {
            while (buffer.position() < need) {
                if (channel.read(buffer) < 0) {
                    if (buffer.position() == 0 && !required) {
                        return false;
                    }
                    throw new EOFException();
                }
            }
        } finally {
            buffer.flip();
        }
        return true;
    }
}
