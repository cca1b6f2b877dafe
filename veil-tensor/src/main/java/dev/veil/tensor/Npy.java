package dev.veil.tensor;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0). Reads float, signed and unsigned integer and bool
 * dtypes of either byte order into float32; writes float32 and int64. Fortran-ordered arrays are refused rather
 * than silently transposed.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final int MAX_HEADER = 1 << 20;

    private Npy() {
    }

    public static FloatTensor read(byte[] bytes) throws TensorFormatException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || !java.util.Arrays.equals(bytes, 0, 6, MAGIC, 0, 6)) {
            throw new TensorFormatException("not a NumPy .npy file (missing \\x93NUMPY magic); save it with numpy.save");
        }
        b.position(6);
        int major = b.get() & 0xff;
        b.get();
        long headerLen;
        if (major == 1) {
            headerLen = b.getShort() & 0xffff;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new TensorFormatException(".npy file is truncated in its header");
            }
            headerLen = b.getInt() & 0xffffffffL;
        } else {
            throw new TensorFormatException(".npy format version " + major + " is not supported (1, 2 or 3 expected)");
        }
        if (headerLen > MAX_HEADER || headerLen > b.remaining()) {
            throw new TensorFormatException(".npy header length " + headerLen + " exceeds the file");
        }
        String header = new String(bytes, b.position(), (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int dataStart = b.position() + (int) headerLen;

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
        ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        checkDtype(kind, size, d.group(1) + kind + d.group(3));
        long count = FloatTensor.elementCount(shape);
        long need = count * size;
        long available = bytes.length - dataStart;
        if (need != available) {
            throw new TensorFormatException(".npy data holds " + available + " bytes, shape " + java.util.Arrays.toString(shape)
                    + " of " + d.group(1) + kind + size + " needs " + need);
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new TensorFormatException(".npy array has " + count + " elements; at most " + (Integer.MAX_VALUE - 8) + " fit in one tensor");
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) need).slice().order(order);
        float[] v = new float[(int) count];
        for (int i = 0; i < v.length; i++) {
            v[i] = readOne(data, kind, size);
        }
        return new FloatTensor(shape, v);
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

    private static float readOne(ByteBuffer b, char kind, int size) {
        return switch (kind) {
            case 'f' -> size == 4 ? b.getFloat() : (float) b.getDouble();
            case 'b' -> b.get() != 0 ? 1f : 0f;
            case 'u' -> switch (size) {
                case 1 -> b.get() & 0xff;
                case 2 -> b.getShort() & 0xffff;
                case 4 -> b.getInt() & 0xffffffffL;
                default -> unsignedLong(b.getLong());
            };
            default -> switch (size) {
                case 1 -> b.get();
                case 2 -> b.getShort();
                case 4 -> b.getInt();
                default -> b.getLong();
            };
        };
    }

    private static float unsignedLong(long v) {
        return v >= 0 ? v : (float) ((v >>> 1) * 2.0 + (v & 1));
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

    public static byte[] writeFloat32(FloatTensor t) {
        ByteBuffer data = ByteBuffer.allocate(t.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(t.values());
        return assemble("<f4", t.shape(), data.array());
    }

    public static byte[] writeInt64(long[] shape, long[] values) {
        ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        data.asLongBuffer().put(values);
        return assemble("<i8", shape, data.array());
    }

    private static byte[] assemble(String descr, long[] shape, byte[] data) {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + dims.substring(0, dims.length() - 2) + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream(10 + header.length() + data.length);
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xff);
        out.write(header.length() >>> 8);
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
