package dev.veil.enclave.inference;

import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.stream.RowReader;
import java.util.Arrays;

/** A RowReader over rows already in memory, for tests of what consumes rows. */
class TensorRowReader implements RowReader {
    private final FloatTensor data;
    private long next;

    TensorRowReader(FloatTensor data) {
        this.data = data;
    }

    @Override
    public long[] rowShape() {
        return Arrays.copyOfRange(data.shape(), 1, data.shape().length);
    }

    @Override
    public int rowSize() {
        return data.rowSize();
    }

    @Override
    public int read(float[] dst, int maxRows) throws java.io.IOException, dev.veil.tensor.TensorFormatException {
        int n = (int) Math.min(maxRows, data.rows() - next);
        System.arraycopy(data.values(), (int) next * rowSize(), dst, 0, n * rowSize());
        next += n;
        return n;
    }

    @Override
    public long rowsRead() {
        return next;
    }

    @Override
    public java.util.OptionalLong rowsLeft() {
        return java.util.OptionalLong.of(data.rows() - next);
    }

    @Override
    public void close() {
    }
}
