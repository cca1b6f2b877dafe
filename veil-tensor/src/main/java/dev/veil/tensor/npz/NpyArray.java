package dev.veil.tensor.npz;

import dev.veil.tensor.ElementType;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code .npy} array as an .npz entry holds it, read strictly: the header must be NumPy's dictionary of
 * {@code descr}, {@code fortran_order} and {@code shape} and nothing else; the dtype one of {@link ElementType}'s, little-endian
 * as NumPy writes it (big-endian, object, structured and other dtypes are refused, not converted); C order only; the
 * data exactly as long as the shape and dtype say. Also writes arrays the way {@code numpy.save} does (format 1.0, header
 * padded to 64 bytes).
 */
public final class NpyArray {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern HEADER = Pattern.compile(
            "\\{\\s*'descr'\\s*:\\s*'([^']{1,16})'\\s*,\\s*'fortran_order'\\s*:\\s*(True|False)\\s*,"
                    + "\\s*'shape'\\s*:\\s*\\(([0-9, ]{0,400})\\)\\s*,?\\s*\\}[ ]*\\n");
    private static final Pattern DIM = Pattern.compile("[0-9]{1,19}");
    /** NumPy's headers are a few hundred bytes; a longer one is not NumPy's. */
    private static final int MAX_HEADER = 1 << 16;

    private NpyArray() {
    }

    /** What a .npy header says: the element type, the shape, and how many bytes of data follow it. */
    public record Header(ElementType type, long[] shape, long dataBytes) {
        public Header {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /** The tensor named {@code name} held by the .npy bytes {@code npy}; {@code what} names them in errors. */
    public static Tensor read(String name, byte[] npy, String what) throws TensorFormatException {
        ByteArrayInputStream in = new ByteArrayInputStream(npy);
        Header h;
        try {
            h = readHeader(in, npy.length, () -> what);
        } catch (IOException e) {
            throw new TensorFormatException(what + " cannot be read");   // a ByteArrayInputStream does not fail
        }
        int dataStart = npy.length - in.available();
        byte[] data = Arrays.copyOfRange(npy, dataStart, npy.length);
        try {
            return new Tensor(name, h.type(), h.shape(), data);
        } catch (IllegalArgumentException e) {
            Arrays.fill(data, (byte) 0);
            throw new TensorFormatException(what + ": " + e.getMessage());
        }
    }

    /**
     * Reads the magic, version and header of a .npy of {@code length} bytes from {@code in}, leaving it at the first
     * data byte; the data must be exactly as long as the shape and dtype say.
     */
    public static Header readHeader(InputStream in, long length, Supplier<String> what) throws IOException, TensorFormatException {
        byte[] pre = in.readNBytes(10);
        if (pre.length < 10 || !Arrays.equals(pre, 0, 6, MAGIC, 0, 6)) {
            throw new TensorFormatException(what.get() + " is not a NumPy .npy array (missing \\x93NUMPY magic); save it with numpy.savez");
        }
        int major = pre[6] & 0xff;
        int minor = pre[7] & 0xff;
        long headerLength;
        int start;
        if (major == 1 && minor == 0) {
            headerLength = (pre[8] & 0xff) | (pre[9] & 0xff) << 8;
            start = 10;
        } else if ((major == 2 || major == 3) && minor == 0) {
            byte[] high = in.readNBytes(2);
            if (high.length < 2) {
                throw new TensorFormatException(what.get() + " is truncated in its .npy header");
            }
            headerLength = (pre[8] & 0xffL) | (pre[9] & 0xffL) << 8 | (high[0] & 0xffL) << 16 | (high[1] & 0xffL) << 24;
            start = 12;
        } else {
            throw new TensorFormatException(what.get() + " has .npy format version " + major + "." + minor + "; 1.0, 2.0 or 3.0 expected");
        }
        if (headerLength > length - start || headerLength > MAX_HEADER) {
            throw new TensorFormatException(what.get() + " has a .npy header of " + headerLength + " bytes, longer than the array"
                    + " or than " + MAX_HEADER + " bytes");
        }
        byte[] raw = in.readNBytes((int) headerLength);
        if (raw.length < headerLength) {
            throw new TensorFormatException(what.get() + " is truncated in its .npy header");
        }
        String header = new String(raw, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher m = HEADER.matcher(header);
        if (!m.matches()) {
            throw new TensorFormatException(what.get() + " has a .npy header that is not NumPy's {'descr', 'fortran_order', 'shape'}"
                    + " dictionary (structured or unusual arrays are refused); save a plain array with numpy.savez");
        }
        ElementType type = elementType(m.group(1), what.get());
        if (m.group(2).equals("True")) {
            throw new TensorFormatException(what.get() + " is Fortran-ordered; save it C-ordered (numpy.ascontiguousarray)");
        }
        long[] shape = shape(m.group(3), what.get());
        long bytes;
        try {
            bytes = Math.multiplyExact(Tensor.elementCount(shape), type.byteSize());
        } catch (ArithmeticException e) {
            throw new TensorFormatException(what.get() + " has shape " + Arrays.toString(shape) + ", too large");
        }
        long held = length - start - headerLength;
        if (held != bytes) {
            throw new TensorFormatException(what.get() + " holds " + held + " bytes of data but shape " + Arrays.toString(shape) + " of "
                    + type.id() + " needs " + bytes);
        }
        return new Header(type, shape, bytes);
    }

    private static ElementType elementType(String descr, String what) throws TensorFormatException {
        ElementType t = ElementType.ofNpyDescr(descr);
        if (t != null) {
            return t;
        }
        String shown = Tensor.printable(descr);
        if (descr.startsWith(">") || descr.startsWith("=")) {
            throw new TensorFormatException(what + " has dtype '" + shown + "', not little-endian; save it as little-endian "
                    + "(arr.astype(arr.dtype.newbyteorder('<')))");
        }
        if (descr.contains("O")) {
            throw new TensorFormatException(what + " is an object array (dtype '" + shown + "'); object arrays are refused, "
                    + "save numbers");
        }
        throw new TensorFormatException(what + " has dtype '" + shown + "'; Veil takes float32, float16, float64, int64, "
                + "int32, int8, uint8 and bool");
    }

    private static long[] shape(String text, String what) throws TensorFormatException {
        String t = text.strip();
        if (t.isEmpty()) {
            return new long[0];
        }
        if (t.endsWith(",")) {
            t = t.substring(0, t.length() - 1);
        }
        List<Long> dims = new ArrayList<>();
        for (String part : t.split(",", -1)) {
            String d = part.strip();
            if (!DIM.matcher(d).matches()) {
                throw new TensorFormatException(what + " has a malformed .npy shape (" + Tensor.printable(text) + ")");
            }
            try {
                dims.add(Long.parseLong(d));
            } catch (NumberFormatException e) {
                throw new TensorFormatException(what + " has a dimension too large in its .npy shape");
            }
        }
        if (dims.size() > Tensor.MAX_RANK) {
            throw new TensorFormatException(what + " has rank " + dims.size() + "; at most " + Tensor.MAX_RANK + " is accepted");
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /** The .npy header {@code numpy.save} writes for {@code t}: magic, version 1.0, the dictionary padded to 64 bytes. */
    public static byte[] header(Tensor t) {
        return header(t.type(), t.shape());
    }

    /** The .npy header {@code numpy.save} writes for an array of {@code type} and {@code shape}. */
    public static byte[] header(ElementType type, long[] shape) {
        StringBuilder dims = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            dims.append(i > 0 ? ", " : "").append(shape[i]);
        }
        dims.append(shape.length == 1 ? ",)" : ")");
        String dict = "{'descr': '" + type.npyDescr() + "', 'fortran_order': False, 'shape': " + dims + ", }";
        int unpadded = 10 + dict.length() + 1;
        String text = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        byte[] out = new byte[10 + text.length()];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        out[6] = 1;
        out[7] = 0;
        out[8] = (byte) text.length();
        out[9] = (byte) (text.length() >>> 8);
        byte[] ascii = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(ascii, 0, out, 10, ascii.length);
        return out;
    }
}
