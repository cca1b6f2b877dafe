package dev.veil.tensor.stream;

import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.TensorFormatException;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of a NumPy {@code .npy} file (format versions 1.0, 2.0 and 3.0): the element type, C order and the
 * shape. Float, signed and unsigned integer and bool types of either byte order are taken; Fortran order is refused
 * rather than silently transposed.
 */
record NpyHeader(String descr, char kind, int size, ByteOrder order, long[] shape) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final int MAX_HEADER = 1 << 20;

    /** Reads the magic, version and header from the source, leaving it at the first data byte. */
    static NpyHeader read(ByteSource src) throws IOException, TensorFormatException {
        byte[] pre = new byte[10];
        if (src.take(pre, 10) < 10 || !Arrays.equals(pre, 0, 6, MAGIC, 0, 6)) {
            throw new TensorFormatException("not a NumPy .npy file (missing \\x93NUMPY magic); save it with numpy.save");
        }
        int major = pre[6] & 0xff;
        long headerLen;
        if (major == 1) {
            headerLen = (pre[8] & 0xff) | (pre[9] & 0xff) << 8;
        } else if (major == 2 || major == 3) {
            byte[] high = new byte[2];
            if (src.take(high, 2) < 2) {
                throw new TensorFormatException(".npy file is truncated in its header");
            }
            headerLen = (pre[8] & 0xffL) | (pre[9] & 0xffL) << 8 | (high[0] & 0xffL) << 16 | (high[1] & 0xffL) << 24;
        } else {
            throw new TensorFormatException(".npy format version " + major + " is not supported (1, 2 or 3 expected)");
        }
        byte[] raw = headerLen > MAX_HEADER ? null : new byte[(int) headerLen];
        if (raw == null || src.take(raw, raw.length) < raw.length) {
            throw new TensorFormatException(".npy header length " + headerLen + " exceeds the file");
        }
        return parse(new String(raw, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
    }

    private static NpyHeader parse(String header) throws TensorFormatException {
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new TensorFormatException(".npy header lacks descr, fortran_order or shape: " + abbreviate(header));
        }
        if (f.group(1).equals("True")) {
            throw new TensorFormatException(".npy array is Fortran-ordered; save it C-ordered (numpy.ascontiguousarray)");
        }
        long[] shape = parseShape(s.group(1));
        char kind = d.group(2).charAt(0);
        int size = Integer.parseInt(d.group(3).length() > 2 ? "0" : d.group(3));
        checkDtype(kind, size, d.group(1) + kind + d.group(3));
        if (FloatTensor.elementCount(shape) > Long.MAX_VALUE / size) {
            throw new TensorFormatException(".npy shape " + Arrays.toString(shape) + " is too large");
        }
        ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        return new NpyHeader(d.group(1) + kind + size, kind, size, order, shape);
    }

    long[] rowShape() {
        return Arrays.copyOfRange(shape, 1, shape.length);
    }

    /** Bytes of data the shape and element type call for. */
    long dataBytes() {
        return FloatTensor.elementCount(shape) * size;
    }

    private static void checkDtype(char kind, int size, String descr) throws TensorFormatException {
        boolean ok = switch (kind) {
            case 'f' -> size == 4 || size == 8;
            case 'i', 'u' -> size == 1 || size == 2 || size == 4 || size == 8;
            case 'b' -> size == 1;
            default -> false;
        };
        if (!ok) {
            throw new TensorFormatException(".npy dtype " + descr + " is not supported; use float32, float64, an integer type or bool");
        }
    }

    private static long[] parseShape(String inner) throws TensorFormatException {
        List<Long> dims = new ArrayList<>();
        for (String part : inner.split(",")) {
            String t = part.strip();
            if (t.isEmpty()) {
                continue;
            }
            try {
                long v = Long.parseLong(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                dims.add(v);
            } catch (NumberFormatException e) {
                throw new TensorFormatException(".npy shape has an invalid dimension '" + abbreviate(t) + "'");
            }
        }
        if (dims.isEmpty()) {
            throw new TensorFormatException(".npy array is a scalar; Veil needs at least one dimension (the batch)");
        }
        if (dims.size() > 16) {
            throw new TensorFormatException(".npy array has " + dims.size() + " dimensions; at most 16 are supported");
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        try {
            FloatTensor.elementCount(shape);
        } catch (ArithmeticException e) {
            throw new TensorFormatException(".npy shape " + inner.strip() + " is too large");
        }
        return shape;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
