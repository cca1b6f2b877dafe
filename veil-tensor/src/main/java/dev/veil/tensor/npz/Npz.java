package dev.veil.tensor.npz;

import dev.veil.tensor.ElementType;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * NumPy {@code .npz} archives: a zip of {@code <name>.npy} arrays, one per name, stored ({@code numpy.savez}) or
 * deflated ({@code numpy.savez_compressed}). Reading is strict (see {@link NpzStream} for the archive and
 * {@link NpyArray} for each array) and bounded: the sizes the archive declares are added up and refused above the
 * caller's limit before an entry is inflated, and no entry may inflate to more than it declares. Every entry's CRC-32
 * is checked. Writing gives what {@code numpy.savez} gives (stored entries, format 1.0 arrays), which
 * {@code numpy.load} reads.
 */
public final class Npz {
    /** A zip file starts with a local header: "PK\3\4". */
    private static final byte[] MAGIC = {'P', 'K', 3, 4};
    /** 1980-01-01, the first day a zip's MS-DOS date can hold. */
    private static final short DOS_DATE = (short) ((1 << 5) | 1);

    private Npz() {
    }

    /** Whether {@code head} starts like a zip archive (and so like an .npz). */
    public static boolean looksLikeNpz(byte[] head) {
        return head.length >= 4 && Arrays.equals(head, 0, 4, MAGIC, 0, 4);
    }

    /**
     * The arrays of the .npz {@code zip}, named without their {@code .npy} suffix, in the archive's order; read as
     * {@link NpzStream} reads a stream, into memory.
     *
     * @param maxInflatedBytes the most bytes the arrays may take once inflated, all entries together
     */
    public static NamedTensors read(byte[] zip, long maxInflatedBytes) throws TensorFormatException {
        ByteArrayInputStream in = new ByteArrayInputStream(zip);
        List<byte[]> data = new ArrayList<>();
        try {
            // No array in memory holds more than a Java array does.
            long limit = Math.min(maxInflatedBytes, Integer.MAX_VALUE - 8);
            List<NpzStream.Array> arrays = NpzStream.read(in, limit, array -> {
                byte[] d = new byte[Math.toIntExact(array.dataBytes())];
                data.add(d);
                return new ArrayOutput(d);
            });
            if (in.available() > 0) {
                throw new TensorFormatException(".npz does not end with the zip directory's end record (trailing data or a zip"
                        + " comment); save it with numpy.savez");
            }
            List<Tensor> tensors = new ArrayList<>(arrays.size());
            for (int i = 0; i < arrays.size(); i++) {
                tensors.add(new Tensor(arrays.get(i).name(), arrays.get(i).type(), arrays.get(i).shape(), data.get(i)));
            }
            return new NamedTensors(tensors);
        } catch (IOException e) {
            data.forEach(d -> Arrays.fill(d, (byte) 0));
            throw new TensorFormatException(".npz cannot be read");   // a ByteArrayInputStream does not fail
        } catch (TensorFormatException | RuntimeException e) {
            data.forEach(d -> Arrays.fill(d, (byte) 0));
            throw e;
        }
    }

    /** Writes into an array of exactly the size an array's data takes. */
    private static final class ArrayOutput extends OutputStream {
        private final byte[] into;
        private int at;

        ArrayOutput(byte[] into) {
            this.into = into;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, into, at, len);
            at += len;
        }
    }

    /**
     * The .npz of {@code tensors}, as {@code numpy.savez(file, **arrays)} writes it: one stored entry
     * {@code <name>.npy} per tensor, in order, with a fixed timestamp (1980-01-01) so equal tensors give equal bytes.
     *
     * @throws IllegalArgumentException when the archive would be 2 GiB or more
     */
    public static byte[] write(NamedTensors tensors) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, length(tensors)));
        try {
            write(tensors, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** The length of {@link #write(NamedTensors)}'s archive. */
    public static long length(NamedTensors tensors) {
        return length(entries(tensors));
    }

    /**
     * Writes the .npz of {@code tensors} to {@code out} as it goes (each tensor's CRC-32 is computed before its entry),
     * the same bytes as {@link #write(NamedTensors)}.
     *
     * @throws IllegalArgumentException when the archive would be 2 GiB or more, before anything is written
     */
    public static void write(NamedTensors tensors, OutputStream out) throws IOException {
        write(entries(tensors), out);
    }

    /** One array to write: its .npy header's CRC-32 continued over its data, and where its data is read from, once. */
    public record Entry(String name, ElementType type, long[] shape, int crc, DataSource data) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        long dataBytes() {
            return Tensor.elementCount(shape) * type.byteSize();
        }
    }

    /** The data of one array, opened once when its entry is written. */
    public interface DataSource {
        InputStream open() throws IOException;
    }

    /** The length of the archive {@link #write(List, OutputStream)} writes. */
    public static long length(List<Entry> entries) {
        long total = 22;
        for (Entry e : entries) {
            int name = (e.name() + ".npy").getBytes(StandardCharsets.UTF_8).length;
            total += 30L + name + NpyArray.header(e.type(), e.shape()).length + e.dataBytes() + 46L + name;
        }
        return total;
    }

    /**
     * Writes the .npz of {@code entries} as {@code numpy.savez} would: stored entries, each array's data copied from
     * its source after its header. A source giving another length than its shape needs fails the write.
     *
     * @throws IllegalArgumentException when the archive would be 2 GiB or more, before anything is written
     */
    public static void write(List<Entry> entries, OutputStream out) throws IOException {
        long total = length(entries);
        if (total >= Integer.MAX_VALUE || entries.size() >= 0xffff) {
            throw new IllegalArgumentException("the arrays take " + total + " bytes; an .npz of 2 GiB or more is not written");
        }
        int n = entries.size();
        byte[][] names = new byte[n][];
        int[] offsets = new int[n];
        int[] sizes = new int[n];
        int at = 0;
        // as large as the largest array, up to 64 KiB: a Spark dataset's row is an .npz of a few hundred bytes, written by
        // the million
        long largest = entries.stream().mapToLong(Entry::dataBytes).max().orElse(0);
        byte[] buffer = new byte[(int) Math.max(1, Math.min(1 << 16, largest))];
        try {
            for (int i = 0; i < n; i++) {
                Entry e = entries.get(i);
                names[i] = (e.name() + ".npy").getBytes(StandardCharsets.UTF_8);
                byte[] header = NpyArray.header(e.type(), e.shape());
                sizes[i] = (int) (header.length + e.dataBytes());
                offsets[i] = at;
                ByteBuffer local = ByteBuffer.allocate(30 + names[i].length).order(ByteOrder.LITTLE_ENDIAN);
                local.putInt(NpzStream.LOCAL).putShort((short) 20).putShort(flags(e.name())).putShort((short) 0)
                        .putShort((short) 0).putShort(DOS_DATE).putInt(e.crc()).putInt(sizes[i]).putInt(sizes[i])
                        .putShort((short) names[i].length).putShort((short) 0).put(names[i]);
                out.write(local.array());
                out.write(header);
                long left = e.dataBytes();
                try (InputStream data = e.data().open()) {
                    while (left > 0) {
                        int r = data.read(buffer, 0, (int) Math.min(buffer.length, left));
                        if (r < 0) {
                            throw new IOException("array '" + Tensor.printable(e.name()) + "' ended before its shape's data");
                        }
                        out.write(buffer, 0, r);
                        left -= r;
                    }
                    if (data.read() >= 0) {
                        throw new IOException("array '" + Tensor.printable(e.name()) + "' holds more than its shape's data");
                    }
                }
                at += local.capacity() + sizes[i];
            }
        } finally {
            Arrays.fill(buffer, (byte) 0);
        }
        int cdStart = at;
        int cdSize = 0;
        for (int i = 0; i < n; i++) {
            ByteBuffer central = ByteBuffer.allocate(46 + names[i].length).order(ByteOrder.LITTLE_ENDIAN);
            central.putInt(NpzStream.CENTRAL).putShort((short) 20).putShort((short) 20).putShort(flags(entries.get(i).name()))
                    .putShort((short) 0).putShort((short) 0).putShort(DOS_DATE).putInt(entries.get(i).crc()).putInt(sizes[i])
                    .putInt(sizes[i]).putShort((short) names[i].length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0600 << 16).putInt(offsets[i]).put(names[i]);
            out.write(central.array());
            cdSize += central.capacity();
        }
        ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
        end.putInt(NpzStream.END).putShort((short) 0).putShort((short) 0).putShort((short) n).putShort((short) n)
                .putInt(cdSize).putInt(cdStart).putShort((short) 0);
        out.write(end.array());
    }

    private static List<Entry> entries(NamedTensors tensors) {
        List<Entry> entries = new ArrayList<>(tensors.size());
        for (Tensor t : tensors.tensors()) {
            CRC32 crc = new CRC32();
            crc.update(NpyArray.header(t));
            crc.update(t.data());
            entries.add(new Entry(t.name(), t.type(), t.shape(), (int) crc.getValue(), () -> new ByteArrayInputStream(t.data())));
        }
        return entries;
    }

    /** Zip's UTF-8 flag (general purpose bit 11) for a name beyond ASCII; a loop, not an encoder: it runs per Spark cell. */
    private static short flags(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) >= 0x80) {
                return 0x800;
            }
        }
        return 0;
    }
}
