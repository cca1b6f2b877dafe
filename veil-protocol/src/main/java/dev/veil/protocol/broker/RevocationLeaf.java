package dev.veil.protocol.broker;

import dev.veil.protocol.json.MayBeAbsent;
import dev.veil.protocol.translog.MerkleHash;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * One revocation in a broker's record ({@code veil broker revoke}): under which contract, its place in that contract's
 * record, when (seconds since 1970 UTC, the broker's clock), and what it revokes: every release from then on
 * ({@code all} true, no instance) or one instance ({@code all} false and its keys digest, as {@code veil serve} prints
 * it). A broker rebuilds the revocations in force from its records at start, so the record's kept head protects them as
 * it protects releases. The Merkle tree (RFC 9162) hashes {@link #encode}:
 * <pre>
 *   "veil broker revocation v1" 0x00 | contract hash (32) | sequence (u64 BE) | timestamp (u64 BE)
 *   | 0x00 (every instance), or 0x01 | instance keys digest (32)
 * </pre>
 */
public record RevocationLeaf(int version, String contractHash, long sequence, long timestamp, Boolean all,
                             @MayBeAbsent String instanceKeys) implements RecordLeaf {
    public static final int VERSION = 1;
    static final String LABEL = "veil broker revocation v1";

    public RevocationLeaf {
        if (version != VERSION) {
            throw new IllegalArgumentException("revocation record version " + version + " is not supported (expected " + VERSION + ")");
        }
        BrokerFields.requireContractHash(contractHash);
        if (sequence < 0 || timestamp < 0) {
            throw new IllegalArgumentException("a revocation's sequence and timestamp must not be negative");
        }
        if (all == null || all == (instanceKeys != null)) {
            throw new IllegalArgumentException("a revocation is of every instance (all true, no instance_keys) or of one"
                    + " (all false and its instance_keys)");
        }
        if (instanceKeys != null && !instanceKeys.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a revocation names instance_keys as 64 lowercase hex digits");
        }
    }

    /** A revocation of one instance, or of every instance when {@code instanceKeys} is null. */
    public static RevocationLeaf of(String contractHash, long sequence, long timestamp, String instanceKeys) {
        return new RevocationLeaf(VERSION, contractHash, sequence, timestamp, instanceKeys == null, instanceKeys);
    }

    public byte[] encode() {
        HexFormat hex = HexFormat.of();
        ByteBuffer b = ByteBuffer.allocate(LABEL.length() + 1 + 32 + 8 + 8 + 1 + (all ? 0 : 32))
                .put(LABEL.getBytes(StandardCharsets.US_ASCII)).put((byte) 0)
                .put(hex.parseHex(contractHash)).putLong(sequence).putLong(timestamp);
        if (all) {
            b.put((byte) 0);
        } else {
            b.put((byte) 1).put(hex.parseHex(instanceKeys));
        }
        return b.array();
    }

    @Override
    public byte[] leafHash() {
        return MerkleHash.leaf(encode());
    }
}
