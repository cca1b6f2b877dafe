package dev.veil.tensor.npz;

import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * NumPy {@code .npz} archives: a zip of {@code <name>.npy} arrays, one per name, stored ({@code numpy.savez}) or
 * deflated ({@code numpy.savez_compressed}). Reading is strict (see {@link ZipDirectory} for the archive and
 * {@link NpyArray} for each array) and bounded: the sizes the archive declares are added up and refused above the
 * caller's limit before a byte is inflated, and no entry may inflate to more than it declares. Every entry's CRC-32
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
     * The arrays of the .npz {@code zip}, named without their {@code .npy} suffix, in the archive's order.
     *
     * @param maxInflatedBytes the most bytes the arrays may take once inflated, all entries together
     */
    public static NamedTensors read(byte[] zip, long maxInflatedBytes) throws TensorFormatException {
        List<ZipDirectory.Entry> entries = ZipDirectory.read(zip);
        long total = 0;
        for (ZipDirectory.Entry e : entries) {
            total += e.size();
        }
        if (total > maxInflatedBytes) {
            throw new TensorFormatException(".npz arrays take " + total + " bytes once inflated, more than the limit of "
                    + maxInflatedBytes + "; send fewer rows");
        }
        List<Tensor> tensors = new ArrayList<>(entries.size());
        try {
            for (ZipDirectory.Entry e : entries) {
                byte[] npy = contents(zip, e);
                try {
                    String name = e.name().substring(0, e.name().length() - 4);
                    tensors.add(NpyArray.read(name, npy, ".npz array '" + ZipDirectory.printable(name) + "'"));
                } finally {
                    Arrays.fill(npy, (byte) 0);
                }
            }
            return new NamedTensors(tensors);
        } catch (TensorFormatException | RuntimeException ex) {
            tensors.forEach(Tensor::wipe);
            throw ex;
        }
    }

    /** The entry's bytes, inflated into exactly its declared size and checked against its CRC-32. */
    private static byte[] contents(byte[] zip, ZipDirectory.Entry e) throws TensorFormatException {
        String what = ".npz entry '" + ZipDirectory.printable(e.name()) + "'";
        byte[] out = new byte[(int) e.size()];
        if (e.method() == ZipDirectory.STORED) {
            System.arraycopy(zip, e.dataOffset(), out, 0, out.length);
        } else {
            Inflater inflater = new Inflater(true);
            try {
                inflater.setInput(zip, e.dataOffset(), (int) e.compressedSize());
                int done = 0;
                while (done < out.length) {
                    int n = inflater.inflate(out, done, out.length - done);
                    if (n == 0) {
                        if (inflater.finished()) {
                            break;
                        }
                        if (inflater.needsInput() || inflater.needsDictionary()) {
                            throw new TensorFormatException(what + " is truncated: it inflates to " + done + " of the "
                                    + e.size() + " bytes it declares");
                        }
                    }
                    done += n;
                }
                if (done != out.length) {
                    throw new TensorFormatException(what + " inflates to " + done + " bytes but declares " + e.size());
                }
                if (!inflater.finished()) {
                    // One byte of room tells "ends exactly here" from "inflates to more than declared".
                    if (inflater.inflate(new byte[1]) > 0) {
                        throw new TensorFormatException(what + " inflates to more than the " + e.size() + " bytes it declares");
                    }
                    if (!inflater.finished()) {
                        throw new TensorFormatException(what + " is truncated: its deflate stream does not end");
                    }
                }
                if (inflater.getRemaining() != 0) {
                    throw new TensorFormatException(what + " has bytes after its deflate stream");
                }
            } catch (DataFormatException ex) {
                Arrays.fill(out, (byte) 0);
                throw new TensorFormatException(what + " is not a valid deflate stream");
            } catch (TensorFormatException ex) {
                Arrays.fill(out, (byte) 0);
                throw ex;
            } finally {
                inflater.end();
            }
        }
        CRC32 crc = new CRC32();
        crc.update(out);
        if ((int) crc.getValue() != e.crc()) {
            Arrays.fill(out, (byte) 0);
            throw new TensorFormatException(what + " fails its CRC-32 check (the archive is damaged)");
        }
        return out;
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
        long total = 22;
        for (Tensor t : tensors.tensors()) {
            int name = (t.name() + ".npy").getBytes(StandardCharsets.UTF_8).length;
            total += 30L + name + NpyArray.header(t).length + t.data().length + 46L + name;
        }
        return total;
    }

    /**
     * Writes the .npz of {@code tensors} to {@code out} as it goes (each tensor's CRC-32 is computed before its entry),
     * the same bytes as {@link #write(NamedTensors)}.
     *
     * @throws IllegalArgumentException when the archive would be 2 GiB or more, before anything is written
     */
    public static void write(NamedTensors tensors, OutputStream out) throws IOException {
        long total = length(tensors);
        if (total >= Integer.MAX_VALUE || tensors.size() >= 0xffff) {
            throw new IllegalArgumentException("the arrays take " + total + " bytes; an .npz of 2 GiB or more is not written");
        }
        int n = tensors.size();
        byte[][] names = new byte[n][];
        int[] offsets = new int[n];
        int[] crcs = new int[n];
        int[] sizes = new int[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            Tensor t = tensors.tensors().get(i);
            names[i] = (t.name() + ".npy").getBytes(StandardCharsets.UTF_8);
            byte[] header = NpyArray.header(t);
            CRC32 crc = new CRC32();
            crc.update(header);
            crc.update(t.data());
            crcs[i] = (int) crc.getValue();
            sizes[i] = header.length + t.data().length;
            offsets[i] = at;
            ByteBuffer local = ByteBuffer.allocate(30 + names[i].length).order(ByteOrder.LITTLE_ENDIAN);
            local.putInt(ZipDirectory.LOCAL).putShort((short) 20).putShort(flags(t)).putShort((short) 0)
                    .putShort((short) 0).putShort(DOS_DATE).putInt(crcs[i]).putInt(sizes[i]).putInt(sizes[i])
                    .putShort((short) names[i].length).putShort((short) 0).put(names[i]);
            out.write(local.array());
            out.write(header);
            out.write(t.data());
            at += local.capacity() + sizes[i];
        }
        int cdStart = at;
        int cdSize = 0;
        for (int i = 0; i < n; i++) {
            ByteBuffer central = ByteBuffer.allocate(46 + names[i].length).order(ByteOrder.LITTLE_ENDIAN);
            central.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort(flags(tensors.tensors().get(i)))
                    .putShort((short) 0).putShort((short) 0).putShort(DOS_DATE).putInt(crcs[i]).putInt(sizes[i]).putInt(sizes[i])
                    .putShort((short) names[i].length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0600 << 16).putInt(offsets[i]).put(names[i]);
            out.write(central.array());
            cdSize += central.capacity();
        }
        ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) n).putShort((short) n)
                .putInt(cdSize).putInt(cdStart).putShort((short) 0);
        out.write(end.array());
    }

    private static short flags(Tensor t) {
        return (short) (StandardCharsets.US_ASCII.newEncoder().canEncode(t.name()) ? 0 : 0x800);
    }
}
