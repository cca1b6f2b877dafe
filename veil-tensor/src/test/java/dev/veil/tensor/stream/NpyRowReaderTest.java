package dev.veil.tensor.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Npy;
import dev.veil.tensor.stream.Rows.Outcome;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NpyRowReaderTest {
    @Test
    void rowShapeIsTheShapeWithoutTheFirstAxis() throws Exception {
        try (RowReader r = RowReaders.open(new ByteArrayInputStream(fixture("u8_2x1x3.npy")))) {
            assertThat(r.rowShape()).containsExactly(1, 3);
            assertThat(r.rowSize()).isEqualTo(3);
        }
        try (RowReader r = RowReaders.open(new ByteArrayInputStream(fixture("i64_5.npy")))) {
            assertThat(r.rowShape()).isEmpty();
            assertThat(r.rowSize()).isEqualTo(1);
        }
    }

    @Test
    void numpysFilesStreamAsTheyReadWhole() throws Exception {
        for (String name : List.of("f32_3x4.npy", "f64_be_2x2.npy", "i64_5.npy", "u8_2x1x3.npy")) {
            assertStreamsAsWhole(fixture(name));
        }
        assertThat(Rows.outcome(() -> RowReaders.open(new ByteArrayInputStream(fixture("f32_fortran.npy"))), 1).error())
                .contains("Fortran");
    }

    @Test
    void everyElementTypeAndByteOrderStreamsAsItReadsWhole() throws Exception {
        Random random = new Random(3);
        List<byte[]> arrays = new ArrayList<>();
        for (String type : List.of("f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1")) {
            for (String order : List.of("<", ">", "|")) {
                int size = Integer.parseInt(type.substring(1));
                byte[] data = new byte[7 * 3 * size];
                random.nextBytes(data);
                if (type.startsWith("f")) {
                    ByteBuffer b = ByteBuffer.wrap(data).order(order.equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < 21; i++) {
                        if (size == 4) {
                            b.putFloat(random.nextFloat() * 1000 - 500);
                        } else {
                            b.putDouble(random.nextGaussian() * 1e6);
                        }
                    }
                }
                arrays.add(npy(order + type, "(7, 3)", data));
            }
        }
        arrays.add(npy("<f4", "(0, 5)", new byte[0]));
        arrays.add(npy("<f4", "(4, 0)", new byte[0]));
        for (byte[] a : arrays) {
            assertStreamsAsWhole(a);
        }
        assertThat(Npy.read(npy("<u8", "(1,)", ByteBuffer.allocate(8).putLong(-1).array())).values()[0]).isEqualTo(1.8446744e19f);
    }

    @Test
    void dataShorterThanTheHeaderSaysIsAnErrorWhereItEnds() throws Exception {
        byte[] file = npy("<f4", "(3, 2)", new byte[20]);
        try (RowReader r = RowReaders.open(Rows.chunked(file, 3), 16)) {
            float[] dst = new float[2];
            assertThat(r.read(dst, 1)).isEqualTo(1);
            assertThat(r.read(dst, 1)).isEqualTo(1);
            assertThatThrownBy(() -> r.read(dst, 1)).hasMessage(".npy data holds 20 bytes, shape [3, 2] of <f4 needs 24");
        }
        assertThatThrownBy(() -> Npy.read(file)).hasMessage(".npy data holds 20 bytes, shape [3, 2] of <f4 needs 24");
    }

    @Test
    void dataLongerThanTheHeaderSaysIsAnErrorAtTheEnd() throws Exception {
        byte[] file = npy("<f4", "(3, 2)", new byte[25]);
        try (RowReader r = RowReaders.open(Rows.chunked(file, 3), 16)) {
            float[] dst = new float[4];
            assertThat(r.read(dst, 2)).isEqualTo(2);
            assertThatThrownBy(() -> r.read(dst, 2))
                    .hasMessage(".npy data holds more than the 24 bytes that shape [3, 2] of <f4 needs");
        }
        assertThatThrownBy(() -> Npy.read(npy("<f4", "(0, 2)", new byte[1]))).hasMessageContaining("holds more than the 0 bytes");
    }

    @Test
    void aSmallArrayDeclaringHugeRowsIsRefusedBeforeAnythingIsSizedByIt() {
        byte[] tiny = npy("<f4", "(2, 500000000)", new byte[8]);
        assertThatThrownBy(() -> Npy.read(tiny)).hasMessage(".npy data holds 8 bytes, shape [2, 500000000] of <f4 needs 4000000000");
        assertThatThrownBy(() -> RowReaders.npy(tiny)).hasMessageContaining("holds 8 bytes");
        assertThatThrownBy(() -> RowReaders.npy(npy("<f4", "(1,)", new byte[5]))).hasMessageContaining("holds more than the 4 bytes");
    }

    @Test
    void anArrayOfNoRowsDeclaringHugeRowsReadsEmptyWithoutSizingAnythingByThem() throws Exception {
        // 8.6 GB for one row were it allocated: more than any test JVM's heap (found by the CI's brief fuzzing as an OOM).
        FloatTensor empty = Npy.read(npy("<f4", "(0, 2147483000)", new byte[0]));
        assertThat(empty.shape()).containsExactly(0, 2147483000L);
        assertThat(empty.values()).isEmpty();
    }

    @Test
    void aHeaderLongerThanTheStreamOrTheLimitIsRefused() {
        byte[] good = npy("<f4", "(1,)", new byte[4]);
        assertThatThrownBy(() -> RowReaders.open(new ByteArrayInputStream(Arrays.copyOf(good, 20)), 16))
                .hasMessageContaining("exceeds the file");
        byte[] v2 = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0, 0, 0x10, 0};
        assertThatThrownBy(() -> RowReaders.open(new ByteArrayInputStream(v2), 16))
                .hasMessage(".npy header length 1048576 exceeds the file");
        assertThatThrownBy(() -> RowReaders.open(new ByteArrayInputStream(Arrays.copyOf(v2, 11)), 16))
                .hasMessage(".npy file is truncated in its header");
    }

    @Test
    void closeZeroesTheBufferOfPlaintext() throws Exception {
        ByteSource src = ByteSource.over(new ByteArrayInputStream(fixture("f32_3x4.npy")), 64);
        RowReader r = NpyRowReader.open(src);
        r.read(new float[4], 1);
        r.close();
        assertThat(src.buf).containsOnly((byte) 0);
    }

    private static void assertStreamsAsWhole(byte[] file) throws Exception {
        Outcome whole;
        try {
            FloatTensor t = Npy.read(file);
            whole = Outcome.of(t.shape(), t.values());
        } catch (dev.veil.tensor.TensorFormatException e) {
            whole = Outcome.failed(e.getMessage());
        }
        assertThat(whole.error()).isNull();
        for (int buffer : new int[] {16, 17, 23, 40, 4096}) {
            for (int chunk : new int[] {1, 5, 64}) {
                for (int batch : new int[] {1, 2, 5}) {
                    Outcome streamed = Rows.outcome(() -> RowReaders.open(Rows.chunked(file, chunk), buffer), batch);
                    assertThat(streamed.sameAs(whole)).as("buffer %d chunk %d batch %d: %s vs %s", buffer, chunk, batch,
                            streamed, whole).isTrue();
                }
            }
        }
    }

    static byte[] npy(String descr, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }\n";
        ByteBuffer b = ByteBuffer.allocate(10 + dict.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) dict.length())
                .put(dict.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        return b.array();
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = NpyRowReaderTest.class.getResourceAsStream("/npy/" + name)) {
            return in.readAllBytes();
        }
    }
}
