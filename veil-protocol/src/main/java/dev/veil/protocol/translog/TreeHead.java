package dev.veil.protocol.translog;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.veil.protocol.json.Digests;
import java.nio.ByteBuffer;

/**
 * The state of one contract's log at one moment: how many requests it holds and the root of their tree (RFC 9162
 * §2.1.1), as the enclave instance saw it at {@code timestamp} (seconds since 1970 UTC, the enclave's clock). The
 * enclave signs it ({@link SignedTreeHead}); a verifier reads a head only from {@link LogVerifier}.
 */
public record TreeHead(@JsonProperty(required = true) int version,
                       @JsonProperty(required = true) byte[] contractHash,
                       @JsonProperty(required = true) long treeSize,
                       @JsonProperty(required = true) byte[] rootHash,
                       @JsonProperty(required = true) long timestamp) {
    public static final int VERSION = 1;
    static final String SIGNING_LABEL = "veil tree head v1";

    public TreeHead {
        if (version != VERSION) {
            throw new IllegalArgumentException("tree head version " + version + " is not supported (this verifier knows version " + VERSION + ")");
        }
        contractHash = Bytes32.copy(contractHash, "tree head contract hash");
        if (treeSize < 0 || timestamp < 0) {
            throw new IllegalArgumentException("tree head size and timestamp must not be negative");
        }
        rootHash = Bytes32.copy(rootHash, "tree head root hash");
    }

    public static TreeHead of(byte[] contractHash, long treeSize, byte[] rootHash, long timestamp) {
        return new TreeHead(VERSION, contractHash, treeSize, rootHash, timestamp);
    }

    @Override
    public byte[] contractHash() {
        return contractHash.clone();
    }

    @Override
    public byte[] rootHash() {
        return rootHash.clone();
    }

    /**
     * What the instance key signs: {@code Digests.labelled256("veil tree head v1", contract hash, tree size (u64 BE),
     * root hash, timestamp (u64 BE))}. Computed from the typed fields, so the head that is verified is the head that
     * is used, whatever JSON carried it; the label keeps a head's signature from passing for a receipt's.
     */
    public byte[] signingMessage() {
        return Digests.labelled256(SIGNING_LABEL, contractHash, u64(treeSize), rootHash, u64(timestamp));
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(Long.BYTES).putLong(v).array();
    }
}
