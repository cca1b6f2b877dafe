package dev.veil.protocol.broker;

import dev.veil.protocol.translog.MerkleHash;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * One unwrap for the data provider itself in a broker's record ({@code POST /v1/owner/unwrap}, e.g. {@code veil batch
 * open --broker}): under which contract, its place in that contract's record, when (seconds since 1970 UTC, the
 * broker's clock), who asked (the signer's identity fingerprint), under which master key, which wrapped key (SHA-256
 * of its text: the key is named, never held) and the instance that wrapped it (its keys digest), absent for a key the
 * provider wrapped. The Merkle tree (RFC 9162) hashes {@link #encode}:
 * <pre>
 *   "veil broker owner unwrap v1" 0x00 | contract hash (32) | sequence (u64 BE) | timestamp (u64 BE)
 *   | owner fingerprint (24, ASCII) | master-key id length (u8) | master-key id (ASCII) | wrapped key SHA-256 (32)
 *   | 0x00, or 0x01 | wrapping instance's keys digest (32)
 * </pre>
 */
public record OwnerUnwrapLeaf(int version, String contractHash, long sequence, long timestamp, String owner,
                              String masterKeyId, String wrappedKeySha256, @dev.veil.protocol.json.MayBeAbsent String wrappedBy)
        implements RecordLeaf {
    public static final int VERSION = 1;
    static final String LABEL = "veil broker owner unwrap v1";
    private static final String HEX64 = "[0-9a-f]{64}";

    public OwnerUnwrapLeaf {
        if (version != VERSION) {
            throw new IllegalArgumentException("owner unwrap record version " + version + " is not supported (expected " + VERSION + ")");
        }
        BrokerFields.requireContractHash(contractHash);
        if (sequence < 0 || timestamp < 0) {
            throw new IllegalArgumentException("an owner unwrap's sequence and timestamp must not be negative");
        }
        if (owner == null || !owner.matches("[0-9a-f]{4}(-[0-9a-f]{4}){4}")) {
            throw new IllegalArgumentException("an owner unwrap names its owner by identity fingerprint (xxxx-xxxx-xxxx-xxxx-xxxx)");
        }
        BrokerFields.requireMasterKeyId(masterKeyId);
        if (wrappedKeySha256 == null || !wrappedKeySha256.matches(HEX64) || (wrappedBy != null && !wrappedBy.matches(HEX64))) {
            throw new IllegalArgumentException("an owner unwrap names wrapped_key_sha256 (and wrapped_by) as 64 lowercase hex digits");
        }
    }

    public byte[] encode() {
        HexFormat hex = HexFormat.of();
        byte[] id = masterKeyId.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(LABEL.length() + 1 + 32 + 8 + 8 + owner.length() + 1 + id.length + 32 + 1
                        + (wrappedBy == null ? 0 : 32))
                .put(LABEL.getBytes(StandardCharsets.US_ASCII)).put((byte) 0)
                .put(hex.parseHex(contractHash)).putLong(sequence).putLong(timestamp)
                .put(owner.getBytes(StandardCharsets.US_ASCII)).put((byte) id.length).put(id)
                .put(hex.parseHex(wrappedKeySha256));
        if (wrappedBy == null) {
            b.put((byte) 0);
        } else {
            b.put((byte) 1).put(hex.parseHex(wrappedBy));
        }
        return b.array();
    }

    @Override
    public byte[] leafHash() {
        return MerkleHash.leaf(encode());
    }
}
