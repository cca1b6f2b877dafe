package dev.veil.tensor.npz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** The committed .npz files NumPy wrote (src/test/resources/npz/make_fixtures.py) and hand-made archives. */
final class NpzFixtures {
    private NpzFixtures() {
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = NpzFixtures.class.getResourceAsStream("/npz/" + name)) {
            return in.readAllBytes();
        }
    }

    /** A zip of the given entries, stored with their sizes and CRCs in the local headers (as numpy.savez writes). */
    static byte[] storedZip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                entry.setCrc(crc.getValue());
                z.putNextEntry(entry);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** A one-entry zip written by hand: {@code data} as the entry's bytes, under the sizes and CRC given. */
    static byte[] rawZip(String name, int method, int crc, byte[] data, long declaredSize) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(30 + n.length + data.length + 46 + n.length + 22)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) method).putInt(0).putInt(crc)
                .putInt(data.length).putInt((int) declaredSize).putShort((short) n.length).putShort((short) 0).put(n).put(data);
        int cd = b.position();
        b.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) method).putInt(0)
                .putInt(crc).putInt(data.length).putInt((int) declaredSize).putShort((short) n.length).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0).putInt(0).put(n);
        int cdSize = b.position() - cd;
        b.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) 1).putShort((short) 1).putInt(cdSize)
                .putInt(cd).putShort((short) 0);
        return b.array();
    }

    /** A .npy of {@code descr} and {@code shape} text holding {@code data}, its header as NumPy pads it. */
    static byte[] npy(String descr, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        String text = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) text.length(), (byte) (text.length() >>> 8)});
        out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** Replaces every occurrence of {@code from} by {@code to} (same length) in {@code bytes}; returns how many. */
    static int replaceAll(byte[] bytes, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.US_ASCII);
        byte[] t = to.getBytes(StandardCharsets.US_ASCII);
        int n = 0;
        for (int i = 0; i + f.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + f.length, f, 0, f.length)) {
                System.arraycopy(t, 0, bytes, i, t.length);
                n++;
            }
        }
        return n;
    }
}
