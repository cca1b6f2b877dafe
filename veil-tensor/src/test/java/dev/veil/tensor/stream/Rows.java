package dev.veil.tensor.stream;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Arrays;

/** Test helpers: streams that hand out bytes in small uneven reads, and readers drained in batches of a given size. */
public final class Rows {
    private Rows() {
    }

    /** A dataset as read, or the message it was refused with. */
    public record Outcome(long[] shape, float[] values, String error) {
        public static Outcome of(long[] shape, float[] values) {
            return new Outcome(shape, values, null);
        }

        public static Outcome failed(String error) {
            return new Outcome(null, null, error);
        }

        /** Equal shapes and bit-for-bit equal values (so -0.0 and 0.0 differ), or equal messages. */
        public boolean sameAs(Outcome o) {
            if (error != null || o.error != null) {
                return java.util.Objects.equals(error, o.error);
            }
            if (!Arrays.equals(shape, o.shape) || values.length != o.values.length) {
                return false;
            }
            for (int i = 0; i < values.length; i++) {
                if (Float.floatToRawIntBits(values[i]) != Float.floatToRawIntBits(o.values[i])) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return error != null ? "error: " + error : "shape " + Arrays.toString(shape) + " values "
                    + Arrays.toString(values.length > 20 ? Arrays.copyOf(values, 20) : values);
        }
    }

    /** Reads every row with {@code read(dst, batch)} calls and checks the reader's own bookkeeping on the way. */
    static Outcome drain(RowReader r, int batch) throws Exception {
        int rs = r.rowSize();
        float[] dst = new float[batch * rs];
        float[] all = new float[0];
        long rows = 0;
        int n;
        while ((n = r.read(dst, batch)) > 0) {
            if (n > batch) {
                throw new AssertionError("read " + n + " rows, asked for at most " + batch);
            }
            all = Arrays.copyOf(all, all.length + n * rs);
            System.arraycopy(dst, 0, all, all.length - n * rs, n * rs);
            rows += n;
            if (r.rowsRead() != rows) {
                throw new AssertionError("rowsRead " + r.rowsRead() + " after " + rows + " rows");
            }
        }
        if (r.read(dst, batch) != 0) {
            throw new AssertionError("a finished reader handed out more rows");
        }
        long[] rowShape = r.rowShape();
        long[] shape = new long[rowShape.length + 1];
        shape[0] = rows;
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        return Outcome.of(shape, all);
    }

    public interface Open {
        RowReader open() throws Exception;
    }

    public static Outcome outcome(Open open, int batch) {
        try (RowReader r = open.open()) {
            return drain(r, batch);
        } catch (dev.veil.tensor.TensorFormatException e) {
            return Outcome.failed(e.getMessage());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A stream whose reads return at most 1, 2, ... {@code maxChunk} bytes in turn. */
    public static InputStream chunked(byte[] data, int maxChunk) {
        return new ByteArrayInputStream(data) {
            private int next;

            @Override
            public synchronized int read(byte[] b, int off, int len) {
                next = next % maxChunk + 1;
                return super.read(b, off, Math.min(len, next));
            }
        };
    }
}
