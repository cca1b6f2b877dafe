package dev.veil.seal;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * The fixed-size, authenticated header at the start of every sealed file. Its bytes are the associated data of
 * the stream (they feed the HKDF that derives the segment key), so changing any field makes decryption fail.
 * Layout (big-endian): magic "VEILSEAL" | version u8 | content type u8 | ciphertext segment size u32 |
 * plaintext size u64 | plaintext SHA-256 (32) | key id (8). See docs/SEALED-FORMAT.md.
 */
public record SealHeader(int version, ContentType contentType, int segmentSize, long plaintextSize,
                         byte[] plaintextSha256, byte[] keyId) {

    public static final byte[] MAGIC = {'V', 'E', 'I', 'L', 'S', 'E', 'A', 'L'};
    public static final int VERSION = 1;
    public static final int LENGTH = 8 + 1 + 1 + 4 + 8 + 32 + AssetKey.KEY_ID_LENGTH;
    /** Bounds accepted on read; segments must hold the stream header plus at least one plaintext byte. */
    public static final int MIN_SEGMENT_SIZE = 256;
    public static final int MAX_SEGMENT_SIZE = 64 << 20;

    public SealHeader {
        plaintextSha256 = plaintextSha256.clone();
        keyId = keyId.clone();
    }

    @Override
    public byte[] plaintextSha256() {
        return plaintextSha256.clone();
    }

    @Override
    public byte[] keyId() {
        return keyId.clone();
    }

    public String plaintextSha256Hex() {
        return HexFormat.of().formatHex(plaintextSha256);
    }

    public String keyIdHex() {
        return HexFormat.of().formatHex(keyId);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.put(MAGIC).put((byte) version).put((byte) contentType.code()).putInt(segmentSize)
                .putLong(plaintextSize).put(plaintextSha256).put(keyId);
        return b.array();
    }

    public static SealHeader decode(byte[] bytes) throws SealException {
        int magicLen = Math.min(bytes.length, MAGIC.length);
        if (!java.util.Arrays.equals(bytes, 0, magicLen, MAGIC, 0, magicLen) || bytes.length == 0) {
            throw new SealException("not a Veil sealed file (bad magic); seal it with 'veil seal' first");
        }
        if (bytes.length < LENGTH) {
            throw new SealException("sealed file is truncated: header has " + bytes.length + " bytes, expected " + LENGTH);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, LENGTH);
        b.position(MAGIC.length);
        int version = b.get() & 0xff;
        if (version != VERSION) {
            throw new SealException("unsupported sealed format version " + version + ", this Veil reads version " + VERSION);
        }
        ContentType type = ContentType.fromCode(b.get() & 0xff);
        int segmentSize = b.getInt();
        if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
            throw new SealException("sealed header has segment size " + segmentSize + ", expected "
                    + MIN_SEGMENT_SIZE + ".." + MAX_SEGMENT_SIZE + "; the file is corrupt");
        }
        long size = b.getLong();
        if (size < 0) {
            throw new SealException("sealed header has negative plaintext size; the file is corrupt");
        }
        byte[] sha = new byte[32];
        b.get(sha);
        byte[] keyId = new byte[AssetKey.KEY_ID_LENGTH];
        b.get(keyId);
        return new SealHeader(version, type, segmentSize, size, sha, keyId);
    }
}
