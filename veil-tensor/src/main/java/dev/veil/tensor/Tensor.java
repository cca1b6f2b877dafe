package dev.veil.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One named, typed, dense row-major tensor: its elements as little-endian bytes. The bytes are not copied in or out
 * (tensors can be large): the tensor owns the array it is given, and {@link #wipe()} zeroes it once the values are
 * no longer needed. A {@code bool} tensor holds only the bytes 0 and 1, as NumPy and ONNX store it.
 *
 * @param shape outermost dimension first; empty for a scalar
 */
public record Tensor(String name, ElementType type, long[] shape, byte[] data) {
    /** The longest name accepted: names are quoted in one-line errors. */
    public static final int MAX_NAME_LENGTH = 256;
    /** The most dimensions accepted (ONNX Runtime for Java creates tensors of at most 8). */
    public static final int MAX_RANK = 16;

    public Tensor {
        requireName(name);
        if (type == null) {
            throw new IllegalArgumentException("tensor '" + printable(name) + "' has no element type");
        }
        shape = shape.clone();
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException("tensor '" + printable(name) + "' has rank " + shape.length + "; at most "
                    + MAX_RANK + " is accepted");
        }
        long bytes = Math.multiplyExact(elementCount(shape), type.byteSize());
        if (bytes != data.length) {
            throw new IllegalArgumentException("tensor '" + printable(name) + "' of " + type.id() + " " + Arrays.toString(shape)
                    + " needs " + bytes + " bytes, got " + data.length);
        }
        if (type == ElementType.BOOL) {
            for (byte b : data) {
                if (b != 0 && b != 1) {
                    throw new IllegalArgumentException("tensor '" + printable(name) + "' is bool but holds a byte other than 0 or 1");
                }
            }
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** The size of dimension {@code axis}. */
    public long dim(int axis) {
        return shape[axis];
    }

    public long elementCount() {
        return elementCount(shape);
    }

    /** Zeroes the values. */
    public void wipe() {
        Arrays.fill(data, (byte) 0);
    }

    /** Rows [from, to) of the first axis, as a new tensor of the same name and type. */
    public Tensor rows(long from, long to) {
        if (shape.length == 0 || from < 0 || to < from || to > shape[0]) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") of tensor '" + printable(name) + "' of shape "
                    + Arrays.toString(shape));
        }
        long rowBytes = shape[0] == 0 ? 0 : data.length / shape[0];
        long[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(name, type, s, Arrays.copyOfRange(data, Math.toIntExact(from * rowBytes), Math.toIntExact(to * rowBytes)));
    }

    /**
     * Tensors of one name and element type whose shapes differ only in the first axis, joined along it (e.g. several
     * requests' inputs run as one batch, whose outputs {@link #rows} cuts apart again).
     */
    public static Tensor concatRows(java.util.List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no tensors to join");
        }
        Tensor first = parts.get(0);
        if (first.shape.length == 0) {
            throw new IllegalArgumentException("tensor '" + printable(first.name) + "' is a scalar; it has no rows to join");
        }
        long rows = 0;
        long bytes = 0;
        for (Tensor p : parts) {
            boolean same = p.name.equals(first.name) && p.type == first.type && p.shape.length == first.shape.length
                    && Arrays.equals(p.shape, 1, p.shape.length, first.shape, 1, first.shape.length);
            if (!same) {
                throw new IllegalArgumentException("tensor " + p + " cannot be joined to " + first + " along the first axis");
            }
            rows += p.shape[0];
            bytes += p.data.length;
        }
        byte[] data = new byte[Math.toIntExact(bytes)];
        int at = 0;
        for (Tensor p : parts) {
            System.arraycopy(p.data, 0, data, at, p.data.length);
            at += p.data.length;
        }
        long[] shape = first.shape.clone();
        shape[0] = rows;
        return new Tensor(first.name, first.type, shape, data);
    }

    /** The same values under another name. */
    public Tensor named(String newName) {
        return new Tensor(newName, type, shape, data);
    }

    public static Tensor ofFloats(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new Tensor(name, ElementType.FLOAT32, shape, b.array());
    }

    public static Tensor ofLongs(String name, long[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, Long.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new Tensor(name, ElementType.INT64, shape, b.array());
    }

    /** The values of a float32 tensor. */
    public float[] floats() {
        requireType(ElementType.FLOAT32);
        float[] v = new float[data.length / Float.BYTES];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    /** The values of an int64 tensor. */
    public long[] longs() {
        requireType(ElementType.INT64);
        long[] v = new long[data.length / Long.BYTES];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(v);
        return v;
    }

    private void requireType(ElementType expected) {
        if (type != expected) {
            throw new IllegalStateException("tensor '" + printable(name) + "' is " + type.id() + ", not " + expected.id());
        }
    }

    /** Elements in {@code shape}: 1 for a scalar. */
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

    /** "'input_ids' int64 [8, 128]". */
    @Override
    public String toString() {
        return "'" + printable(name) + "' " + type.id() + " " + Arrays.toString(shape);
    }

    /**
     * Refuses a name a tensor may not have: empty, longer than {@link #MAX_NAME_LENGTH}, or holding control or
     * formatting characters.
     *
     * @throws IllegalArgumentException saying why
     */
    public static void requireName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("a tensor name must be 1.." + MAX_NAME_LENGTH + " characters long");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                throw new IllegalArgumentException("tensor name '" + printable(name) + "' holds a control or formatting character");
            }
        }
    }

    /** A name as it may be quoted in a message: printable ASCII, bounded. */
    public static String printable(String s) {
        if (s == null) {
            return "null";
        }
        // a loop, not a regex: readers build such names into messages on their hot paths (the .npz cells of Spark rows).
        // One '?' per code point outside printable ASCII, as the regex [^\x20-\x7e] replaced them.
        StringBuilder p = new StringBuilder(Math.min(s.length(), 61));
        for (int i = 0; i < s.length() && p.length() <= 60; ) {
            int cp = s.codePointAt(i);
            p.append(cp >= 0x20 && cp <= 0x7e ? (char) cp : '?');
            i += Character.charCount(cp);
        }
        return p.length() > 60 ? p.substring(0, 60) + "..." : p.toString();
    }
}
