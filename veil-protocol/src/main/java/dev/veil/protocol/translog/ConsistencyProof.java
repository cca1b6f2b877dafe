package dev.veil.protocol.translog;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * That the tree of {@code fromSize} leaves is a prefix of the tree of {@code toSize} leaves: the RFC 9162 §2.1.4.1
 * consistency path. Parsing checks only the shape (sizes not negative, each element 32 bytes); the sizes' order and
 * the path's exact length are for {@link MerkleProofs#verifyConsistency}.
 */
public record ConsistencyProof(@JsonProperty(required = true) long fromSize,
                               @JsonProperty(required = true) long toSize,
                               @JsonProperty(required = true) List<byte[]> path) {
    public ConsistencyProof {
        if (fromSize < 0 || toSize < 0) {
            throw new IllegalArgumentException("consistency proof sizes must not be negative");
        }
        path = ProofPath.copyOf(path, "consistency proof");
    }

    @Override
    public List<byte[]> path() {
        return ProofPath.copyOut(path);
    }
}
