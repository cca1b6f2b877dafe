package dev.veil.tensor.stream;

import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.TensorFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * The rows of a {@code .npy} array (its first axis), decoded from the buffer straight into the caller's array. Data
 * shorter or longer than the header says is an error, found where the data ends.
 */
final class NpyRowReader implements RowReader {
    private final ByteSource src;
    private final NpyHeader header;
    private final long[] rowShape;
    private final int rowSize;
    private final long totalRows;
    private long rows;
    private boolean endChecked;
    private boolean failed;

    private NpyRowReader(ByteSource src, NpyHeader header, int rowSize) {
        this.src = src;
        this.header = header;
        this.rowShape = header.rowShape();
        this.rowSize = rowSize;
        this.totalRows = header.shape()[0];
    }

    static NpyRowReader open(ByteSource src) throws IOException, TensorFormatException {
        NpyHeader h = NpyHeader.read(src);
        long rowSize;
        try {
            rowSize = FloatTensor.elementCount(h.rowShape());
        } catch (ArithmeticException e) {   // a header's dimensions whose product overflows a long: refused like any too large
            throw new TensorFormatException(".npy rows of shape " + Arrays.toString(h.rowShape()) + " hold more values than a long counts; at most "
                    + RowReaders.MAX_VALUES + " fit in one row");
        }
        if (rowSize > RowReaders.MAX_VALUES) {
            throw new TensorFormatException(".npy rows of shape " + Arrays.toString(h.rowShape()) + " hold " + rowSize
                    + " values; at most " + RowReaders.MAX_VALUES + " fit in one row");
        }
        if (src.whole() && src.available() != h.dataBytes()) {
            // An array in memory has a known length: refuse a wrong one before anyone sizes buffers by the header.
            throw src.available() < h.dataBytes() ? shortData(h, src.available()) : longData(h);
        }
        return new NpyRowReader(src, h, (int) rowSize);
    }

    @Override
    public long[] rowShape() {
        return rowShape.clone();
    }

    @Override
    public int rowSize() {
        return rowSize;
    }

    @Override
    public long rowsRead() {
        return rows;
    }

    @Override
    public OptionalLong rowsLeft() {
        return OptionalLong.of(totalRows - rows);
    }

    @Override
    public int read(float[] dst, int maxRows) throws IOException, TensorFormatException {
        RowReaders.checkRequest(dst, maxRows, rowSize);
        if (failed) {
            throw new IllegalStateException("this reader failed earlier; open a new one");
        }
        try {
            int n = (int) Math.min(maxRows, totalRows - rows);
            int values = n * rowSize;
            int size = header.size();
            int done = 0;
            while (done < values) {
                int whole = src.available() / size;
                if (whole == 0) {
                    if (src.refill() < 0) {
                        throw shortData(header, ((rows * rowSize) + done) * size + src.available());
                    }
                    continue;
                }
                int k = Math.min(whole, values - done);
                decode(dst, done, k);
                done += k;
            }
            rows += n;
            if (rows == totalRows && !endChecked) {
                endChecked = true;
                if (src.available() > 0 || src.refill() > 0) {
                    throw longData(header);
                }
            }
            return n;
        } catch (IOException | TensorFormatException | RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    private static TensorFormatException shortData(NpyHeader h, long held) {
        return new TensorFormatException(".npy data holds " + held + " bytes, shape " + Arrays.toString(h.shape()) + " of "
                + h.descr() + " needs " + h.dataBytes());
    }

    private static TensorFormatException longData(NpyHeader h) {
        return new TensorFormatException(".npy data holds more than the " + h.dataBytes() + " bytes that shape "
                + Arrays.toString(h.shape()) + " of " + h.descr() + " needs");
    }

    /** Decodes {@code n} elements at the buffer's position into {@code dst[at...]} and consumes them. */
    private void decode(float[] dst, int at, int n) {
        int size = header.size();
        ByteBuffer b = ByteBuffer.wrap(src.buf, src.pos, n * size).slice().order(header.order());
        byte[] raw = src.buf;
        int p = src.pos;
        switch (header.kind()) {
            case 'f' -> {
                if (size == 4) {
                    b.asFloatBuffer().get(dst, at, n);
                } else {
                    DoubleBuffer d = b.asDoubleBuffer();
                    for (int i = 0; i < n; i++) {
                        dst[at + i] = (float) d.get(i);
                    }
                }
            }
            case 'b' -> {
                for (int i = 0; i < n; i++) {
                    dst[at + i] = raw[p + i] != 0 ? 1f : 0f;
                }
            }
            case 'u' -> decodeUnsigned(b, raw, p, dst, at, n, size);
            default -> decodeSigned(b, raw, p, dst, at, n, size);
        }
        src.pos += n * size;
    }

    private static void decodeSigned(ByteBuffer b, byte[] raw, int p, float[] dst, int at, int n, int size) {
        switch (size) {
            case 1 -> {
                for (int i = 0; i < n; i++) {
                    dst[at + i] = raw[p + i];
                }
            }
            case 2 -> {
                ShortBuffer s = b.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    dst[at + i] = s.get(i);
                }
            }
            case 4 -> {
                IntBuffer s = b.asIntBuffer();
                for (int i = 0; i < n; i++) {
                    dst[at + i] = s.get(i);
                }
            }
            default -> {
                LongBuffer s = b.asLongBuffer();
                for (int i = 0; i < n; i++) {
                    dst[at + i] = s.get(i);
                }
            }
        }
    }

    private static void decodeUnsigned(ByteBuffer b, byte[] raw, int p, float[] dst, int at, int n, int size) {
        switch (size) {
            case 1 -> {
                for (int i = 0; i < n; i++) {
                    dst[at + i] = raw[p + i] & 0xff;
                }
            }
            case 2 -> {
                ShortBuffer s = b.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    dst[at + i] = s.get(i) & 0xffff;
                }
            }
            case 4 -> {
                IntBuffer s = b.asIntBuffer();
                for (int i = 0; i < n; i++) {
                    dst[at + i] = s.get(i) & 0xffffffffL;
                }
            }
            default -> {
                LongBuffer s = b.asLongBuffer();
                for (int i = 0; i < n; i++) {
                    dst[at + i] = unsignedLong(s.get(i));
                }
            }
        }
    }

    private static float unsignedLong(long v) {
        return v >= 0 ? v : (float) ((v >>> 1) * 2.0 + (v & 1));
    }

    @Override
    public void close() {
        src.wipe();
    }
}
