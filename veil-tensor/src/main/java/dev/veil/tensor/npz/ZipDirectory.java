package dev.veil.tensor.npz;

import dev.veil.tensor.TensorFormatException;
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

/**
 * The entries of a zip file held in memory, read strictly and without inflating anything: the end-of-central-directory
 * record must end the file (no comment), the central directory must follow the last entry, and the entries must
 * lie one after another from the first byte, each local header agreeing with its central directory entry. So no
 * byte of the file is outside an entry (no prefix, gap or trailing data), no two entries overlap (the classic zip
 * bomb reuses one compressed stream many times), and no name is given twice. Only what {@code numpy.savez} and
 * {@code savez_compressed} write is taken: stored or deflated, unencrypted, sizes in the local header (Zip64 extra
 * fields as NumPy forces them), no data descriptors; archives of 2 GiB or more do not fit in memory and are refused.
 */
final class ZipDirectory {
    static final int LOCAL = 0x04034b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int END = 0x06054b50;
    private static final int END_LENGTH = 22;
    private static final int ZIP64_EXTRA = 0x0001;
    private static final long MASK32 = 0xffffffffL;
    /** Flags allowed: deflate's speed hints (bits 1 and 2) and UTF-8 names (bit 11). */
    private static final int ALLOWED_FLAGS = 0x0806;
    /** Zip64 (4.5) is the newest feature NumPy's archives need. */
    private static final int MAX_VERSION_NEEDED = 45;
    static final int STORED = 0;
    static final int DEFLATED = 8;
    /** Far above any model's inputs. */
    static final int MAX_ENTRIES = 1024;

    /** One entry: its name as written, method, CRC-32, sizes and where its data starts. */
    record Entry(String name, int method, int crc, long compressedSize, long size, int dataOffset) {
    }

    private ZipDirectory() {
    }

    static List<Entry> read(byte[] zip) throws TensorFormatException {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        if (zip.length < END_LENGTH || b.getInt(0) != LOCAL) {
            throw new TensorFormatException(".npz is not a zip archive (it must start with a zip entry); save it with numpy.savez");
        }
        int end = zip.length - END_LENGTH;
        if (b.getInt(end) != END) {
            throw new TensorFormatException(".npz does not end with the zip directory's end record (trailing data or a zip "
                    + "comment); save it with numpy.savez");
        }
        int disk = u16(b, end + 4);
        int cdDisk = u16(b, end + 6);
        int onDisk = u16(b, end + 8);
        int count = u16(b, end + 10);
        long cdSize = u32(b, end + 12);
        long cdOffset = u32(b, end + 16);
        int commentLength = u16(b, end + 20);
        if (count == 0xffff || cdSize == MASK32 || cdOffset == MASK32) {
            throw new TensorFormatException(".npz is a Zip64 archive (2 GiB or more, or 65535 entries or more); split the arrays");
        }
        if (disk != 0 || cdDisk != 0 || onDisk != count || commentLength != 0) {
            throw new TensorFormatException(".npz is a multi-part zip or carries a zip comment; save it with numpy.savez");
        }
        if (count == 0 || count > MAX_ENTRIES) {
            throw new TensorFormatException(".npz holds " + count + " arrays; 1.." + MAX_ENTRIES + " are accepted");
        }
        if (cdOffset + cdSize != end) {
            throw new TensorFormatException(".npz has bytes between its zip directory and its end record");
        }
        List<Entry> entries = new ArrayList<>(count);
        Set<String> names = new HashSet<>();
        int at = (int) cdOffset;
        long expectedLocal = 0;
        for (int i = 0; i < count; i++) {
            if (at + 46 > end || b.getInt(at) != CENTRAL) {
                throw new TensorFormatException(".npz zip directory is malformed at entry " + (i + 1));
            }
            int versionNeeded = u16(b, at + 6);
            int flags = u16(b, at + 8);
            int method = u16(b, at + 10);
            int crc = b.getInt(at + 16);
            long compressed = u32(b, at + 20);
            long size = u32(b, at + 24);
            int nameLength = u16(b, at + 28);
            int extraLength = u16(b, at + 30);
            int entryComment = u16(b, at + 32);
            int startDisk = u16(b, at + 34);
            long localOffset = u32(b, at + 42);
            int next = at + 46 + nameLength + extraLength + entryComment;
            if (next > end) {
                throw new TensorFormatException(".npz zip directory entry " + (i + 1) + " runs past the directory");
            }
            byte[] rawName = Arrays.copyOfRange(zip, at + 46, at + 46 + nameLength);
            String name = name(rawName, flags, i);
            long[] big = zip64(b, at + 46 + nameLength, extraLength, new long[] {size, compressed, localOffset}, name);
            size = big[0];
            compressed = big[1];
            localOffset = big[2];
            checkEntryKind(name, versionNeeded, flags, method, startDisk);
            if (!names.add(name)) {
                throw new TensorFormatException(".npz holds the entry '" + printable(name) + "' twice; one array per name");
            }
            if (localOffset != expectedLocal) {
                throw new TensorFormatException(".npz entry '" + printable(name) + "' is not where the previous entry ends"
                        + " (overlapping entries or bytes between them)");
            }
            Entry e = local(b, zip, (int) localOffset, rawName, flags, method, crc, compressed, size, name);
            entries.add(e);
            expectedLocal = e.dataOffset() + compressed;
            if (expectedLocal > cdOffset) {
                throw new TensorFormatException(".npz entry '" + printable(name) + "' runs into the zip directory");
            }
            at = next;
        }
        if (at != end) {
            throw new TensorFormatException(".npz zip directory is longer than its entries");
        }
        if (expectedLocal != cdOffset) {
            throw new TensorFormatException(".npz has bytes between its last entry and its zip directory");
        }
        return entries;
    }

    /** Checks the local header at {@code offset} against the directory's entry; returns the entry with its data offset. */
    private static Entry local(ByteBuffer b, byte[] zip, int offset, byte[] rawName, int flags, int method, int crc,
                               long compressed, long size, String name) throws TensorFormatException {
        if (offset + 30L > zip.length || b.getInt(offset) != LOCAL) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' has no local header where the directory says");
        }
        int nameLength = u16(b, offset + 26);
        int extraLength = u16(b, offset + 28);
        long dataOffset = offset + 30L + nameLength + extraLength;
        if (dataOffset > zip.length) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' has a local header that runs past the file");
        }
        long[] local = zip64(b, offset + 30 + nameLength, extraLength, new long[] {u32(b, offset + 22), u32(b, offset + 18)}, name);
        boolean same = u16(b, offset + 6) == flags && u16(b, offset + 8) == method && b.getInt(offset + 14) == crc
                && local[0] == size && local[1] == compressed
                && Arrays.equals(zip, offset + 30, offset + 30 + nameLength, rawName, 0, rawName.length);
        if (!same) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' has a local header that disagrees with the zip directory");
        }
        if (method == STORED && compressed != size) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' is stored but its sizes differ");
        }
        return new Entry(name, method, crc, compressed, size, (int) dataOffset);
    }

    private static void checkEntryKind(String name, int versionNeeded, int flags, int method, int startDisk)
            throws TensorFormatException {
        if ((flags & 1) != 0) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' is encrypted; save it with numpy.savez");
        }
        if ((flags & 8) != 0) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' uses a data descriptor (written to a stream);"
                    + " save the .npz to a file with numpy.savez");
        }
        if ((flags & ~ALLOWED_FLAGS) != 0 || versionNeeded > MAX_VERSION_NEEDED || startDisk != 0) {
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
    private static long[] zip64(ByteBuffer b, int at, int length, long[] fields, String name) throws TensorFormatException {
        long[] out = fields.clone();
        int end = at + length;
        boolean seen = false;
        while (at < end) {
            if (at + 4 > end) {
                throw new TensorFormatException(".npz entry '" + printable(name) + "' has a malformed zip extra field");
            }
            int id = u16(b, at);
            int size = u16(b, at + 2);
            if (at + 4 + size > end) {
                throw new TensorFormatException(".npz entry '" + printable(name) + "' has a malformed zip extra field");
            }
            if (id == ZIP64_EXTRA) {
                if (seen) {
                    throw new TensorFormatException(".npz entry '" + printable(name) + "' has two Zip64 extra fields");
                }
                seen = true;
                int p = at + 4;
                for (int i = 0; i < out.length; i++) {
                    if (out[i] == MASK32 && p + 8 <= at + 4 + size) {
                        out[i] = b.getLong(p);
                        p += 8;
                    }
                }
            }
            at += 4 + size;
        }
        for (long v : out) {
            if (v < 0 || v >= Integer.MAX_VALUE) {
                throw new TensorFormatException(".npz entry '" + printable(name) + "' is 2 GiB or more; split the array");
            }
        }
        return out;
    }

    /** The entry's name: UTF-8 (when the flag says so, else ASCII), {@code <name>.npy}; returns the whole name. */
    private static String name(byte[] raw, int flags, int index) throws TensorFormatException {
        String name;
        try {
            name = ((flags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.US_ASCII).newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new TensorFormatException(".npz entry " + (index + 1) + " has a name that is not valid text");
        }
        if (!name.endsWith(".npy") || name.length() == 4) {
            throw new TensorFormatException(".npz entry '" + printable(name) + "' is not an array '<name>.npy'; an .npz holds"
                    + " only the arrays numpy.savez writes");
        }
        return name;
    }

    static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 60 ? p.substring(0, 60) + "..." : p;
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xffff;
    }

    private static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & MASK32;
    }
}
