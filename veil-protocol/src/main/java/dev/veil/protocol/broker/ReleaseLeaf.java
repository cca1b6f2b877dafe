package dev.veil.protocol.broker;

import dev.veil.protocol.translog.MerkleHash;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * One release in a broker's record: under which contract, its place in that contract's log, when (seconds since 1970
 * UTC, the broker's clock), to which instance keys (their digest, as {@code veil serve} prints it) and on which
 * evidence (SHA-256 of the evidence the broker appraised). The Merkle tree (RFC 9162) hashes {@link #encode}:
 * <pre>
 *   "veil broker release v1" 0x00 | contract hash (32) | sequence (u64 BE) | timestamp (u64 BE)
 *   | instance keys digest (32) | evidence SHA-256 (32)
 * </pre>
 */
public record ReleaseLeaf(int version, String contractHash, long sequence, long timestamp, String instanceKeys,
                          String evidenceSha256) implements RecordLeaf {
    public static final int VERSION = 1;
    static final String LABEL = "veil broker release v1";

    public ReleaseLeaf {
        if (version != VERSION) {
            throw new IllegalArgumentException("release record version " + version + " is not supported (expected " + VERSION + ")");
        }
        BrokerFields.requireContractHash(contractHash);
        if (sequence < 0 || timestamp < 0) {
            throw new IllegalArgumentException("a release's sequence and timestamp must not be negative");
        }
        if (instanceKeys == null || !instanceKeys.matches("[0-9a-f]{64}") || evidenceSha256 == null
                || !evidenceSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a release names instance_keys and evidence_sha256 as 64 lowercase hex digits");
        }
    }

    public byte[] encode() {
        HexFormat hex = HexFormat.of();
        return ByteBuffer.allocate(LABEL.length() + 1 + 32 + 8 + 8 + 32 + 32)
                .put(LABEL.getBytes(StandardCharsets.US_ASCII)).put((byte) 0)
                .put(hex.parseHex(contractHash)).putLong(sequence).putLong(timestamp)
                .put(hex.parseHex(instanceKeys)).put(hex.parseHex(evidenceSha256))
                .array();
    }

    @Override
    public byte[] leafHash() {
        return MerkleHash.leaf(encode());
    }
}
