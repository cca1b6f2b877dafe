package dev.veil.tensor;

import java.util.Arrays;

/** A dense row-major float32 tensor. The first dimension is the batch ("rows"). */
public record FloatTensor(long[] shape, float[] values) {
    public FloatTensor {
        shape = shape.clone();
        if (shape.length == 0) {
            throw new IllegalArgumentException("a tensor needs at least one dimension");
        }
        long n = elementCount(shape);
        if (n != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " values, got " + values.length);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rows() {
        return (int) shape[0];
    }

    /** Values per row: the product of all dimensions but the first. */
    public int rowSize() {
        return rows() == 0 ? (int) elementCount(Arrays.copyOfRange(shape, 1, shape.length)) : values.length / rows();
    }

    /** Rows [from, to) as a new tensor. */
    public FloatTensor slice(int from, int to) {
        long[] s = shape.clone();
        s[0] = to - from;
        int rs = rowSize();
        return new FloatTensor(s, Arrays.copyOfRange(values, from * rs, to * rs));
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Concatenates tensors along the first dimension; all must share the other dimensions. */
    public static FloatTensor concatRows(java.util.List<FloatTensor> parts, long[] rowShape) {
        int rows = parts.stream().mapToInt(FloatTensor::rows).sum();
        long[] s = new long[rowShape.length + 1];
        s[0] = rows;
        System.arraycopy(rowShape, 0, s, 1, rowShape.length);
        float[] v = new float[Math.toIntExact(elementCount(s))];
        int off = 0;
        for (FloatTensor p : parts) {
            System.arraycopy(p.values, 0, v, off, p.values.length);
            off += p.values.length;
        }
        return new FloatTensor(s, v);
    }
}
