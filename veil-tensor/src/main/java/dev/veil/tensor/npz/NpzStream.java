package dev.veil.tensor.npz;

import dev.veil.tensor.ElementType;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * An .npz read once, front to back, from a stream, in memory bounded by a few buffers whatever its size: each array's
 * data (its elements after the .npy header) goes to a {@link Store} as it is inflated, and the arrays are returned only
 * once the whole archive, to its end record, was found sound.
 *
 * <p>Strict, as NumPy writes archives ({@code numpy.savez}, {@code savez_compressed}): every entry is
 * {@code <name>.npy}, stored or deflated, unencrypted, with its sizes in its local header (NumPy's Zip64 extra fields
 * are read; data descriptors are refused), one after another from the first byte; each name once; each entry's
 * inflated bytes exactly its declared size and CRC-32, its deflate stream ending exactly at its compressed size; then
 * the zip directory, entry for entry the same as the local headers, and its end record (Zip64 when NumPy needs it),
 * with no comment. So no byte of the archive lies outside an entry or the directory, no entry overlaps another, and
 * the declared sizes of all arrays together are held to the caller's limit before any entry is inflated past it.
 */
public final class NpzStream {
    static final int LOCAL = 0x04034b50;
    static final int CENTRAL = 0x02014b50;
    static final int END = 0x06054b50;
    static final int ZIP64_END = 0x06064b50;
    static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EXTRA = 0x0001;
    private static final long MASK32 = 0xffffffffL;
    /** Flags allowed: deflate's speed hints (bits 1 and 2) and UTF-8 names (bit 11). */
    private static final int ALLOWED_FLAGS = 0x0806;
    /** Zip64 (4.5) is the newest feature NumPy's archives need. */
    private static final int MAX_VERSION_NEEDED = 45;
    private static final int STORED = 0;
    private static final int DEFLATED = 8;
    /** Far above any model's inputs. */
    public static final int MAX_ENTRIES = 1024;
    private static final int BUFFER = 1 << 16;

    /** Where each array's data goes while the rest of the archive is read. */
    public interface Store {
        /**
         * Where the data of {@code array} ({@link Array#dataBytes()} bytes, little-endian elements) is written; closed
         * once they all are.
         */
        OutputStream create(Array array) throws IOException;
    }

    /** One array of the archive: its name (without {@code .npy}), element type and shape. */
    public record Array(String name, ElementType type, long[] shape) {
        public Array {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long dataBytes() {
            return Tensor.elementCount(shape) * type.byteSize();
        }

        @Override
        public String toString() {
            return "'" + Tensor.printable(name) + "' " + type.id() + " " + Arrays.toString(shape);
        }
    }

    /** An entry's local header, as read. */
    private record Local(long offset, byte[] rawName, String name, int flags, int method, int crc, long compressedSize, long size) {
    }

    private NpzStream() {
    }

    /**
     * Reads the archive from {@code in} up to and including its end record (the caller checks that the stream ends
     * there), writing every array's data to {@code store}; returns the arrays in the archive's order.
     *
     * @param maxInflatedBytes the most bytes the arrays may take once inflated, all entries together
     */
    public static List<Array> read(InputStream in, long maxInflatedBytes, Store store) throws IOException, TensorFormatException {
        Counted c = new Counted(in);
        int sig = c.readInt("");
        if (sig != LOCAL) {
            throw new TensorFormatException(".npz is not a zip archive (it must start with a zip entry); save it with numpy.savez");
        }
        List<Local> entries = new ArrayList<>();
        List<Array> arrays = new ArrayList<>();
        Set<String> names = new HashSet<>();
        long inflated = 0;
        Scratch buffer = new Scratch();
        try {
            while (sig == LOCAL) {
                Local e = local(c, c.count - 4);
                if (entries.size() == MAX_ENTRIES) {
                    throw new TensorFormatException(".npz holds more than " + MAX_ENTRIES + " arrays");
                }
                if (!names.add(e.name())) {
                    throw new TensorFormatException(".npz holds the entry '" + printable(e.name()) + "' twice; one array per name");
                }
                inflated += e.size();
                if (inflated > maxInflatedBytes) {
                    throw new TensorFormatException(".npz arrays take at least " + inflated + " bytes once inflated, more than"
                            + " the limit of " + maxInflatedBytes + "; send fewer rows");
                }
                entries.add(e);
                arrays.add(array(c, e, store, buffer));
                sig = c.readInt(" after entry '" + printable(e.name()) + "'");
            }
            if (sig != CENTRAL) {
                throw new TensorFormatException(".npz has bytes after its last entry that are neither an entry nor the zip directory");
            }
            directory(c, entries);
            return arrays;
        } finally {
            buffer.wipe();
        }
    }

    /** Reads one entry's data: the .npy header, then the elements into the store; checks its size, end and CRC. */
    private static Array array(Counted c, Local e, Store store, Scratch scratch) throws IOException, TensorFormatException {
        String name = e.name().substring(0, e.name().length() - 4);
        // built only for a message: a row of a Spark dataset is a small .npz of its own, read by the million
        Supplier<String> what = () -> ".npz array '" + printable(name) + "'";
        EntryData data = new EntryData(c, e);
        try {
            NpyArray.Header h = NpyArray.readHeader(data, e.size(), what);
            try {
                Tensor.requireName(name);
            } catch (IllegalArgumentException ex) {
                throw new TensorFormatException(what.get() + ": " + ex.getMessage());
            }
            Array array = new Array(name, h.type(), h.shape());
            try (OutputStream out = store.create(array)) {
                long left = h.dataBytes();
                boolean bool = h.type() == ElementType.BOOL;
                byte[] buffer = scratch.atLeast(left);
                while (left > 0) {
                    int n = data.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        throw new TensorFormatException(".npz entry '" + printable(e.name()) + "' is truncated");
                    }
                    if (bool) {
                        for (int i = 0; i < n; i++) {
                            if (buffer[i] != 0 && buffer[i] != 1) {
                                throw new TensorFormatException(what.get() + ": tensor '" + printable(name)
                                        + "' is bool but holds a byte other than 0 or 1");
                            }
                        }
                    }
                    out.write(buffer, 0, n);
                    left -= n;
                }
            }
            data.finish();
            return array;
        } catch (Malformed ex) {
            throw new TensorFormatException(ex.getMessage());
        } finally {
            data.release();
        }
    }

    /** The local header after its signature. */
    private static Local local(Counted c, long offset) throws IOException, TensorFormatException {
        ByteBuffer h = c.read(26, "a local header");
        int versionNeeded = u16(h, 0);
        int flags = u16(h, 2);
        int method = u16(h, 4);
        int crc = h.getInt(10);
        long compressed = u32(h, 14);
        long size = u32(h, 18);
        int nameLength = u16(h, 22);
        int extraLength = u16(h, 24);
        byte[] rawName = c.read(nameLength, "an entry name").array();
        String name = name(rawName, flags);
        long[] sizes = zip64(c.read(extraLength, "an extra field"), new long[] {size, compressed}, name);
        checkEntryKind(name, versionNeeded, flags, method);
        if (method == STORED && sizes[0] != sizes[1]) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' is stored but its sizes differ");
        }
        return new Local(offset, rawName, name, flags, method, crc, sizes[1], sizes[0]);
    }

    /** The zip directory after its first signature, and its end record; each entry must match its local header. */
    private static void directory(Counted c, List<Local> entries) throws IOException, TensorFormatException {
        long start = c.count - 4;
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0 && c.readInt(" in the zip directory") != CENTRAL) {
                throw new TensorFormatException(".npz zip directory lists fewer entries than the archive holds");
            }
            Local e = entries.get(i);
            ByteBuffer h = c.read(42, "the zip directory");
            int flags = u16(h, 4);
            int method = u16(h, 6);
            int crc = h.getInt(12);
            long compressed = u32(h, 16);
            long size = u32(h, 20);
            int nameLength = u16(h, 24);
            int extraLength = u16(h, 26);
            int commentLength = u16(h, 28);
            int disk = u16(h, 30);
            long offset = u32(h, 38);
            byte[] rawName = c.read(nameLength, "the zip directory").array();
            long[] big = zip64(c.read(extraLength, "the zip directory"), new long[] {size, compressed, offset}, e.name());
            if (commentLength != 0 || disk != 0) {
                throw new TensorFormatException(".npz zip directory entry '" + printable(e.name()) + "' carries a comment or"
                        + " another disk; save it with numpy.savez");
            }
            if (!Arrays.equals(rawName, e.rawName())) {
                throw new TensorFormatException(".npz zip directory lists its entries other than the archive holds them");
            }
            if (big[2] != e.offset()) {
                throw new TensorFormatException(".npz entry '" + printable(e.name()) + "' is not where the zip directory says"
                        + " (overlapping entries or bytes between them)");
            }
            if (flags != e.flags() || method != e.method() || crc != e.crc() || big[0] != e.size() || big[1] != e.compressedSize()) {
                throw new TensorFormatException(".npz entry '" + printable(e.name()) + "' has a local header that disagrees"
                        + " with the zip directory");
            }
        }
        long size = c.count - start;
        int sig = c.readInt(" after the zip directory");
        if (sig == CENTRAL) {
            throw new TensorFormatException(".npz zip directory lists more entries than the archive holds");
        }
        boolean zip64 = sig == ZIP64_END;
        if (zip64) {
            ByteBuffer z = c.read(52, "the Zip64 end record");
            if (z.getLong(0) != 44 || z.getInt(12) != 0 || z.getInt(16) != 0 || z.getLong(20) != entries.size()
                    || z.getLong(28) != entries.size() || z.getLong(36) != size || z.getLong(44) != start) {
                throw new TensorFormatException(".npz has a Zip64 end record that does not match its zip directory");
            }
            long recordOffset = start + size;
            if (c.readInt(" after the Zip64 end record") != ZIP64_LOCATOR) {
                throw new TensorFormatException(".npz lacks the Zip64 end record's locator");
            }
            ByteBuffer l = c.read(16, "the Zip64 locator");
            if (l.getInt(0) != 0 || l.getLong(4) != recordOffset || l.getInt(12) != 1) {
                throw new TensorFormatException(".npz has a Zip64 locator that does not point at its end record");
            }
            sig = c.readInt(" after the Zip64 locator");
        }
        if (sig != END) {
            throw new TensorFormatException(".npz does not end with the zip directory's end record");
        }
        ByteBuffer end = c.read(18, "the end record");
        int onDisk = u16(end, 4);
        int total = u16(end, 6);
        long cdSize = u32(end, 8);
        long cdOffset = u32(end, 12);
        boolean counts = zip64
                ? (total == 0xffff || total == entries.size()) && onDisk == total
                : total == entries.size() && onDisk == total;
        boolean place = zip64
                ? (cdSize == MASK32 || cdSize == size) && (cdOffset == MASK32 || cdOffset == start)
                : cdSize == size && cdOffset == start;
        if (u16(end, 0) != 0 || u16(end, 2) != 0 || !counts || !place || u16(end, 16) != 0) {
            throw new TensorFormatException(".npz has an end record that does not match its zip directory (or a zip comment);"
                    + " save it with numpy.savez");
        }
    }

    private static void checkEntryKind(String name, int versionNeeded, int flags, int method) throws TensorFormatException {
        if ((flags & 1) != 0) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' is encrypted; save it with numpy.savez");
        }
        if ((flags & 8) != 0) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' uses a data descriptor (written to a stream);"
                    + " save the .npz to a file with numpy.savez");
        }
        if ((flags & ~ALLOWED_FLAGS) != 0 || versionNeeded > MAX_VERSION_NEEDED) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' uses zip features NumPy does not write;"
                    + " save it with numpy.savez");
        }
        if (method != STORED && method != DEFLATED) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' is compressed with method " + method
                    + "; only stored and deflated (numpy.savez, savez_compressed) are taken");
        }
    }

    /**
     * The values of {@code fields} (uncompressed size, compressed size, local header offset: as many as given) with
     * each that is 0xffffffff replaced, in order, from the Zip64 extra field; the extra fields must be well-formed.
     */
    private static long[] zip64(ByteBuffer extra, long[] fields, String name) throws TensorFormatException {
        long[] out = fields.clone();
        int at = 0;
        int end = extra.capacity();
        boolean seen = false;
        while (at < end) {
            if (at + 4 > end || at + 4 + u16(extra, at + 2) > end) {
                throw new TensorFormatException(".npz entry '" + printable(name) + "' has a malformed zip extra field");
            }
            int size = u16(extra, at + 2);
            if (u16(extra, at) == ZIP64_EXTRA) {
                if (seen) {
                    throw new TensorFormatException(".npz entry '" + printable(name) + "' has two Zip64 extra fields");
                }
                seen = true;
                int p = at + 4;
                for (int i = 0; i < out.length; i++) {
                    if (out[i] == MASK32 && p + 8 <= at + 4 + size) {
                        out[i] = extra.getLong(p);
                        p += 8;
                    }
                }
            }
            at += 4 + size;
        }
        for (long v : out) {
            if (v < 0 || v == MASK32 && !seen) {
                throw new TensorFormatException(".npz entry '" + printable(name) + "' has a size or offset it does not state");
            }
        }
        return out;
    }

    /** The entry's name: UTF-8 (when the flag says so, else ASCII), {@code <name>.npy}. */
    private static String name(byte[] raw, int flags) throws TensorFormatException {
        String name;
        try {
            name = ((flags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.US_ASCII).newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new TensorFormatException(".npz has an entry whose name is not valid text");
        }
        if (!name.endsWith(".npy") || name.length() == 4) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' is not an array '<name>.npy'; an .npz holds"
                    + " only the arrays numpy.savez writes");
        }
        return name;
    }

    static String printable(String s) {
        return Tensor.printable(s);
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xffff;
    }

    private static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & MASK32;
    }

    /** The archive's bytes, counted, read in whole records. */
    private static final class Counted {
        private final InputStream in;
        long count;

        Counted(InputStream in) {
            this.in = in;
        }

        int readInt(String where) throws IOException, TensorFormatException {
            return read(4, "a record signature" + where).getInt(0);
        }

        /** Exactly {@code n} bytes, little-endian. */
        ByteBuffer read(int n, String what) throws IOException, TensorFormatException {
            byte[] b = in.readNBytes(n);
            count += b.length;
            if (b.length < n) {
                throw new TensorFormatException(".npz is truncated in " + what);
            }
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** Up to {@code n} bytes into {@code dst}; -1 at the end of the stream. */
        int readSome(byte[] dst, int off, int n) throws IOException {
            int r = in.read(dst, off, n);
            if (r > 0) {
                count += r;
            }
            return r;
        }
    }

    /**
     * One entry's inflated bytes, never more than it declares; {@link #finish()} checks that they were exactly that
     * many, that its compressed bytes ended exactly at its compressed size, and its CRC-32.
     */
    private static final class EntryData extends InputStream {
        private final Counted c;
        private final Local e;
        private final Inflater inflater;
        private final byte[] input;
        private final CRC32 crc = new CRC32();
        private long compressedLeft;
        private long produced;

        EntryData(Counted c, Local e) {
            this.c = c;
            this.e = e;
            this.compressedLeft = e.compressedSize();
            this.inflater = e.method() == DEFLATED ? new Inflater(true) : null;
            this.input = e.method() == DEFLATED ? new byte[BUFFER] : null;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] dst, int off, int len) throws IOException {
            int want = (int) Math.min(len, e.size() - produced);
            if (want <= 0) {
                return len == 0 ? 0 : -1;
            }
            int n = inflater == null ? stored(dst, off, want) : inflated(dst, off, want);
            if (n > 0) {
                crc.update(dst, off, n);
                produced += n;
            }
            return n;
        }

        private int stored(byte[] dst, int off, int want) throws IOException {
            int n = c.readSome(dst, off, want);
            if (n > 0) {
                compressedLeft -= n;
            }
            return n;
        }

        private int inflated(byte[] dst, int off, int want) throws IOException {
            try {
                while (true) {
                    int n = inflater.inflate(dst, off, want);
                    if (n > 0) {
                        return n;
                    }
                    if (inflater.finished() || inflater.needsDictionary()) {
                        return -1;
                    }
                    if (inflater.needsInput() && !feed()) {
                        return -1;
                    }
                }
            } catch (DataFormatException ex) {
                throw new Malformed(".npz entry '" + printable(e.name()) + "' is not a valid deflate stream");
            }
        }

        /** Gives the inflater more of the entry's compressed bytes; false when there are none left. */
        private boolean feed() throws IOException {
            if (compressedLeft == 0) {
                return false;
            }
            int n = c.readSome(input, 0, (int) Math.min(input.length, compressedLeft));
            if (n <= 0) {
                return false;
            }
            compressedLeft -= n;
            inflater.setInput(input, 0, n);
            return true;
        }

        void finish() throws IOException, TensorFormatException {
            if (inflater == null && produced == e.size() && compressedLeft == 0 && (int) crc.getValue() == e.crc()) {
                return;   // a stored entry read whole: the common case, without building the messages below
            }
            String what = ".npz entry '" + printable(e.name()) + "'";
            if (produced != e.size()) {
                throw new TensorFormatException(what + " is truncated: it holds " + produced + " of the " + e.size()
                        + " bytes it declares");
            }
            if (inflater != null) {
                try {
                    byte[] probe = new byte[1];
                    while (!inflater.finished()) {
                        // One byte of room tells "ends exactly here" from "inflates to more than declared".
                        if (inflater.inflate(probe) > 0) {
                            throw new TensorFormatException(what + " inflates to more than the " + e.size() + " bytes it declares");
                        }
                        if (inflater.needsDictionary() || inflater.needsInput() && !feed()) {
                            throw new TensorFormatException(what + " is truncated: its deflate stream does not end");
                        }
                    }
                } catch (DataFormatException ex) {
                    throw new TensorFormatException(what + " is not a valid deflate stream");
                }
                if (inflater.getRemaining() != 0 || compressedLeft != 0) {
                    throw new TensorFormatException(what + " has bytes after its deflate stream");
                }
            }
            if (compressedLeft != 0) {
                throw new TensorFormatException(what + " holds more bytes than it declares");
            }
            if ((int) crc.getValue() != e.crc()) {
                throw new TensorFormatException(what + " fails its CRC-32 check (the archive is damaged)");
            }
        }

        void release() {
            if (inflater != null) {
                inflater.end();
                Arrays.fill(input, (byte) 0);
            }
        }
    }

    /**
     * The copy buffer of one read, as large as the largest array read so far up to {@link #BUFFER}: an .npz of one small
     * row (a Spark dataset's cell) needs a few hundred bytes, not a fixed 64 KiB allocated and wiped per archive.
     */
    private static final class Scratch {
        private byte[] bytes = new byte[0];

        byte[] atLeast(long n) {
            int want = (int) Math.min(BUFFER, Math.max(n, 1));
            if (bytes.length < want) {
                wipe();
                bytes = new byte[want];
            }
            return bytes;
        }

        void wipe() {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** A deflate stream found malformed while it is read through {@link InputStream}'s methods. */
    static final class Malformed extends IOException {
        Malformed(String message) {
            super(message);
        }
    }
}
