package dev.veil.tensor;

import dev.veil.tensor.stream.RowReader;
import dev.veil.tensor.stream.RowReaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0). Reads float, signed and unsigned integer and bool
 * dtypes of either byte order into float32; writes float32 and int64. Fortran-ordered arrays are refused rather
 * than silently transposed.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {
    }

    /** Reads a whole array; the rows are parsed as {@link RowReaders#npy(byte[])} streams them. */
    public static FloatTensor read(byte[] bytes) throws TensorFormatException {
        try (RowReader r = RowReaders.npy(bytes)) {
            return RowReaders.readAll(r);
        } catch (IOException e) {
            throw new TensorFormatException(".npy could not be read: " + e.getMessage());
        }
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
}
