package dev.veil.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NpyTest {
    @Test
    void float32RoundTripsWithShape() throws Exception {
        FloatTensor t = new FloatTensor(new long[] {2, 3, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -12.5f});
        byte[] npy = Npy.writeFloat32(t);
        assertThat((10 + (npy[8] & 0xff)) % 64).as("header padded to 64 bytes as numpy does").isZero();
        FloatTensor back = Npy.read(npy);
        assertThat(back.shape()).containsExactly(2, 3, 2);
        assertThat(back.values()).containsExactly(t.values());
    }

    @Test
    void readsOtherDtypesAndByteOrders() throws Exception {
        assertThat(Npy.read(npy("'>f8'", "(2,)", be(16).putDouble(1.5).putDouble(-2).array())).values()).containsExactly(1.5f, -2f);
        assertThat(Npy.read(npy("'<i8'", "(3,)", le(24).putLong(7).putLong(-1).putLong(0).array())).values()).containsExactly(7f, -1f, 0f);
        assertThat(Npy.read(npy("'|u1'", "(1, 2)", new byte[] {(byte) 255, 3})).values()).containsExactly(255f, 3f);
        assertThat(Npy.read(npy("'|b1'", "(2,)", new byte[] {1, 0})).values()).containsExactly(1f, 0f);
    }

    @Test
    void int64LabelsAreWrittenReadably() throws Exception {
        byte[] npy = Npy.writeInt64(new long[] {3}, new long[] {4, 5, 6});
        assertThat(Npy.read(npy).values()).containsExactly(4f, 5f, 6f);
    }

    @Test
    void malformedFilesAreRejectedWithAReason() {
        byte[] good = Npy.writeFloat32(new FloatTensor(new long[] {2, 2}, new float[] {1, 2, 3, 4}));
        assertThatThrownBy(() -> Npy.read("hello".getBytes())).hasMessageContaining("not a NumPy");
        assertThatThrownBy(() -> Npy.read(Arrays.copyOf(good, good.length - 1))).hasMessageContaining("needs 16");
        assertThatThrownBy(() -> Npy.read(Arrays.copyOf(good, 20))).isInstanceOf(TensorFormatException.class);
        assertThatThrownBy(() -> Npy.read(npy("'<c8'", "(1,)", new byte[8]))).hasMessageContaining("not supported");
        assertThatThrownBy(() -> Npy.read(npy("'<f4'", "()", new byte[4]))).hasMessageContaining("scalar");
        assertThatThrownBy(() -> Npy.read(npy("'<f4'", "(4294967296, 4294967296, 4294967296)", new byte[0])))
                .hasMessageContaining("too large");
        assertThatThrownBy(() -> Npy.read(npy("'<f4'", "(-1,)", new byte[0]))).hasMessageContaining("invalid dimension");
        byte[] fortran = npy("'<f4'", "(1,)", new byte[4], "True");
        assertThatThrownBy(() -> Npy.read(fortran)).hasMessageContaining("Fortran");
    }

    static byte[] npy(String descr, String shape, byte[] data) {
        return npy(descr, shape, data, "False");
    }

    static byte[] npy(String descr, String shape, byte[] data, String fortran) {
        String dict = "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n";
        ByteBuffer b = ByteBuffer.allocate(10 + dict.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) dict.length())
                .put(dict.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        return b.array();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer be(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.BIG_ENDIAN);
    }
}
