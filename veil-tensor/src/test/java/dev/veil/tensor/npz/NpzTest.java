package dev.veil.tensor.npz;

import static dev.veil.tensor.npz.NpzFixtures.npy;
import static dev.veil.tensor.npz.NpzFixtures.replaceAll;
import static dev.veil.tensor.npz.NpzFixtures.resource;
import static dev.veil.tensor.npz.NpzFixtures.storedZip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.tensor.ElementType;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/** .npz files NumPy wrote, Veil's own, and hostile ones. */
class NpzTest {
    private static final long LIMIT = 1 << 20;

    @Test
    void readsEveryElementTypeNumpySavezWrites() throws Exception {
        NamedTensors t = Npz.read(resource("all-types.npz"), LIMIT);
        assertThat(t.names()).containsExactly("f32", "f16", "f64", "i64", "i32", "i8", "u8", "b", "scalar");
        assertThat(t.get("f32").type()).isEqualTo(ElementType.FLOAT32);
        assertThat(t.get("f32").shape()).containsExactly(2, 3);
        assertThat(t.get("f32").floats()).containsExactly(1.5f, -2f, 3.25f, 0f, 1e-3f, -7f);
        assertThat(t.get("f16").type()).isEqualTo(ElementType.FLOAT16);
        assertThat(le(t.get("f16")).asShortBuffer().get(2)).isEqualTo((short) 0x7bff);   // 65504, float16's largest
        assertThat(le(t.get("f64")).getDouble(0)).isEqualTo(Math.PI);
        assertThat(t.get("i64").longs()).containsExactly(Long.MIN_VALUE, Long.MAX_VALUE, 0, 101);
        assertThat(le(t.get("i32")).getInt(4)).isEqualTo(Integer.MAX_VALUE);
        assertThat(t.get("i8").data()).containsExactly(-128, 127, 0);
        assertThat(t.get("u8").data()).containsExactly(0, -1, -128, 1);
        assertThat(t.get("b").type()).isEqualTo(ElementType.BOOL);
        assertThat(t.get("b").data()).containsExactly(1, 0, 1);
        assertThat(t.get("scalar").shape()).isEmpty();
        assertThat(t.get("scalar").longs()).containsExactly(42);
    }

    @Test
    void savezCompressedGivesTheSameArrays() throws Exception {
        NamedTensors stored = Npz.read(resource("all-types.npz"), LIMIT);
        NamedTensors deflated = Npz.read(resource("all-types-compressed.npz"), LIMIT);
        assertSame(deflated, stored);
    }

    @Test
    void writtenArchiveReadsBackAndHoldsTheArraysNumpyWrote() throws Exception {
        byte[] numpy = resource("all-types.npz");
        NamedTensors tensors = Npz.read(numpy, LIMIT);
        byte[] ours = Npz.write(tensors);
        assertSame(Npz.read(ours, LIMIT), tensors);
        // Every entry is the same .npy NumPy wrote, byte for byte (header, padding and data).
        assertThat(entries(ours)).containsExactlyEntriesOf(entries(numpy));
        assertThat(Npz.write(tensors)).isEqualTo(ours);
    }

    @Test
    void zipBombIsRefusedBeforeInflating() throws Exception {
        byte[] bomb = resource("bomb.npz");   // 64 MiB of zeros in 64 KiB
        assertThatThrownBy(() -> Npz.read(bomb, LIMIT)).isInstanceOf(TensorFormatException.class)
                .hasMessage(".npz arrays take at least 67108992 bytes once inflated, more than the limit of 1048576; send fewer rows");
    }

    @Test
    void zipBombDeclaringASmallSizeIsNotInflatedPastIt() throws Exception {
        // NumPy's bomb with 1 KiB declared: its .npy header's shape already disagrees with the declared size.
        assertThatThrownBy(() -> Npz.read(resource("bomb-lying.npz"), LIMIT))
                .hasMessage(".npz array 'x' holds 896 bytes of data but shape [67108864] of uint8 needs 67108864");
        // A consistent .npy of 4 bytes whose deflate stream goes on with 64 MiB of zeros: stopped one byte past.
        byte[] npy = npy("|u1", "(4,)", new byte[] {1, 2, 3, 4});
        byte[] bomb = Arrays.copyOf(npy, npy.length + (64 << 20));
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(bomb);
        d.finish();
        ByteArrayOutputStream deflated = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (!d.finished()) {
            deflated.write(buf, 0, d.deflate(buf));
        }
        d.end();
        CRC32 crc = new CRC32();
        crc.update(npy);
        byte[] zip = NpzFixtures.rawZip("x.npy", 8, (int) crc.getValue(), deflated.toByteArray(), npy.length);
        assertThatThrownBy(() -> Npz.read(zip, LIMIT)).hasMessage(".npz entry 'x.npy' inflates to more than the " + npy.length
                + " bytes it declares");
    }

    @Test
    void storedEntryLongerThanItsArrayIsRefused() throws Exception {
        byte[] npy = npy("<f4", "(1,)", new byte[4]);
        CRC32 crc = new CRC32();
        crc.update(npy);
        byte[] zip = NpzFixtures.rawZip("x.npy", 0, (int) crc.getValue(), npy, npy.length);
        assertThat(Npz.read(zip, LIMIT).get("x").floats()).containsExactly(0f);
        byte[] truncated = NpzFixtures.rawZip("x.npy", 0, (int) crc.getValue(), Arrays.copyOf(npy, npy.length - 1), npy.length - 1);
        assertThatThrownBy(() -> Npz.read(truncated, LIMIT)).hasMessage(".npz array 'x' holds 3 bytes of data but shape [1] of float32 needs 4");
    }

    @Test
    void duplicateEntryNameIsRefused() throws Exception {
        byte[] zip = Npz.write(NamedTensors.of(floats("x", 1f), floats("y", 2f)));
        assertThat(replaceAll(zip, "y.npy", "x.npy")).isEqualTo(2);
        // The CRC covers the data, not the name: the archive is otherwise sound.
        assertThatThrownBy(() -> Npz.read(zip, LIMIT)).hasMessage(".npz holds the entry 'x.npy' twice; one array per name");
    }

    @Test
    void entryThatIsNotAnArrayIsRefused() throws Exception {
        byte[] zip = Npz.write(NamedTensors.of(floats("x", 1f), floats("y", 2f)));
        replaceAll(zip, "y.npy", "y.txt");
        assertThatThrownBy(() -> Npz.read(zip, LIMIT)).hasMessageStartingWith(".npz entry 'y.txt' is not an array '<name>.npy'");
        byte[] bare = storedZip(Map.of(".npy", npy("<f4", "(1,)", new byte[4])));
        assertThatThrownBy(() -> Npz.read(bare, LIMIT)).hasMessageStartingWith(".npz entry '.npy' is not an array");
    }

    @Test
    void zip64EndRecordAsPythonWritesItForLargeArchivesIsRead() throws Exception {
        NamedTensors tensors = NamedTensors.of(floats("x", 1f, 2f), floats("y", 3f));
        byte[] zip = Npz.write(tensors);
        byte[] withZip64 = zip64End(zip, 0, false);
        assertSame(Npz.read(withZip64, LIMIT), tensors);
        assertThatThrownBy(() -> Npz.read(zip64End(zip, 1, false), LIMIT))
                .hasMessage(".npz has a Zip64 end record that does not match its zip directory");
        assertThatThrownBy(() -> Npz.read(zip64End(zip, 0, true), LIMIT))
                .hasMessage(".npz has a Zip64 locator that does not point at its end record");
    }

    /**
     * {@code zip} with a Zip64 end record and locator before its end record, whose counts and places become the Zip64
     * markers (as Python's zipfile writes past 65,535 entries or 4 GiB); {@code extraEntries} miscounts the entries in
     * the Zip64 record, {@code wrongLocator} points the locator elsewhere.
     */
    private static byte[] zip64End(byte[] zip, int extraEntries, boolean wrongLocator) {
        ByteBuffer end = ByteBuffer.wrap(zip, zip.length - 22, 22).slice().order(ByteOrder.LITTLE_ENDIAN);
        int entries = end.getShort(10) & 0xffff;
        long cdSize = end.getInt(12) & 0xffffffffL;
        long cdOffset = end.getInt(16) & 0xffffffffL;
        long recordAt = zip.length - 22;
        ByteBuffer out = ByteBuffer.allocate(zip.length + 56 + 20).order(ByteOrder.LITTLE_ENDIAN);
        out.put(zip, 0, zip.length - 22);
        out.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                .putLong(entries + extraEntries).putLong(entries + extraEntries).putLong(cdSize).putLong(cdOffset);
        out.putInt(0x07064b50).putInt(0).putLong(wrongLocator ? recordAt + 1 : recordAt).putInt(1);
        out.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) 0xffff).putShort((short) 0xffff)
                .putInt(0xffffffff).putInt(0xffffffff).putShort((short) 0);
        return out.array();
    }

    @Test
    void trailingBytesAreRefused() throws Exception {
        byte[] zip = Npz.write(NamedTensors.of(floats("x", 1f)));
        byte[] longer = Arrays.copyOf(zip, zip.length + 3);
        assertThatThrownBy(() -> Npz.read(longer, LIMIT)).hasMessageStartingWith(".npz does not end with the zip directory's end record");
        byte[] prefixed = new byte[zip.length + 8];
        System.arraycopy(zip, 0, prefixed, 8, zip.length);
        assertThatThrownBy(() -> Npz.read(prefixed, LIMIT)).hasMessageStartingWith(".npz is not a zip archive");
    }

    @Test
    void overlappingEntriesAreRefused() throws Exception {
        byte[] zip = Npz.write(NamedTensors.of(floats("x", 1f), floats("y", 2f)));
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int cd = b.getInt(zip.length - 22 + 16);
        int second = cd + 46 + "x.npy".length();
        b.putInt(second + 42, 0);   // the second entry points at the first one's bytes
        assertThatThrownBy(() -> Npz.read(zip, LIMIT)).hasMessageStartingWith(".npz entry 'y.npy' is not where the zip directory says");
    }

    @Test
    void damagedDataFailsItsCrc() throws Exception {
        byte[] zip = Npz.write(NamedTensors.of(floats("x", 1f)));
        int data = 30 + "x.npy".length() + 128;
        zip[data] ^= 1;
        assertThatThrownBy(() -> Npz.read(zip, LIMIT)).hasMessage(".npz entry 'x.npy' fails its CRC-32 check (the archive is damaged)");
    }

    @Test
    void dataDescriptorEntriesAreRefused() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("x.npy"));   // deflated to a stream: sizes come after the data
            z.write(npy("<f4", "(1,)", new byte[4]));
            z.closeEntry();
        }
        assertThatThrownBy(() -> Npz.read(out.toByteArray(), LIMIT)).hasMessageContaining("uses a data descriptor");
    }

    @Test
    void fortranOrderIsRefused() throws Exception {
        assertThatThrownBy(() -> Npz.read(resource("fortran.npz"), LIMIT))
                .hasMessage(".npz array 'x' is Fortran-ordered; save it C-ordered (numpy.ascontiguousarray)");
    }

    @Test
    void bigEndianIsRefusedNotConverted() throws Exception {
        assertThatThrownBy(() -> Npz.read(resource("big-endian.npz"), LIMIT))
                .hasMessageStartingWith(".npz array 'x' has dtype '>f4', not little-endian");
    }

    @Test
    void objectArrayIsRefused() throws Exception {
        assertThatThrownBy(() -> Npz.read(resource("object.npz"), LIMIT))
                .hasMessageStartingWith(".npz array 'x' is an object array (dtype '|O')");
    }

    @Test
    void unsupportedDtypeIsRefused() throws Exception {
        assertThatThrownBy(() -> Npz.read(resource("int16.npz"), LIMIT))
                .hasMessage(".npz array 'x' has dtype '<i2'; Veil takes float32, float16, float64, int64, int32, int8, uint8 and bool");
    }

    @Test
    void shapeThatDisagreesWithTheDataIsRefused() throws Exception {
        byte[] zip = storedZip(Map.of("x.npy", npy("<f4", "(2, 3)", new byte[20])));
        assertThatThrownBy(() -> Npz.read(zip, LIMIT)).hasMessage(".npz array 'x' holds 20 bytes of data but shape [2, 3] of float32 needs 24");
        byte[] longer = storedZip(Map.of("x.npy", npy("<f4", "(2, 3)", new byte[28])));
        assertThatThrownBy(() -> Npz.read(longer, LIMIT)).hasMessage(".npz array 'x' holds 28 bytes of data but shape [2, 3] of float32 needs 24");
    }

    @Test
    void structuredHeaderIsRefused() throws Exception {
        byte[] zip = storedZip(Map.of("x.npy", npy("<f4', 'extra': 'y", "(1,)", new byte[4])));
        assertThatThrownBy(() -> Npz.read(zip, LIMIT)).hasMessageStartingWith(".npz array 'x' has a .npy header that is not NumPy's");
    }

    @Test
    void boolHoldingOtherBytesIsRefused() throws Exception {
        byte[] zip = storedZip(Map.of("m.npy", npy("|b1", "(3,)", new byte[] {1, 2, 0})));
        assertThatThrownBy(() -> Npz.read(zip, LIMIT)).hasMessage(".npz array 'm': tensor 'm' is bool but holds a byte other than 0 or 1");
    }

    @Test
    void limitCountsEveryEntryTogether() throws Exception {
        byte[] zip = Npz.write(NamedTensors.of(floats("x", new float[100]), floats("y", new float[100])));
        long oneEntry = 128 + 400;
        assertThat(Npz.read(zip, 2 * oneEntry).size()).isEqualTo(2);
        assertThatThrownBy(() -> Npz.read(zip, 2 * oneEntry - 1)).hasMessageContaining("more than the limit");
    }

    private static Tensor floats(String name, float... v) {
        return Tensor.ofFloats(name, new long[] {v.length}, v);
    }

    private static ByteBuffer le(Tensor t) {
        return ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void assertSame(NamedTensors actual, NamedTensors expected) {
        assertThat(actual.names()).isEqualTo(expected.names());
        for (Tensor e : expected.tensors()) {
            Tensor a = actual.get(e.name());
            assertThat(a.type()).isEqualTo(e.type());
            assertThat(a.shape()).isEqualTo(e.shape());
            assertThat(a.data()).isEqualTo(e.data());
        }
    }

    private static Map<String, String> entries(byte[] zip) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                out.put(e.getName(), java.util.HexFormat.of().formatHex(z.readAllBytes()));
            }
        }
        return out;
    }
}
