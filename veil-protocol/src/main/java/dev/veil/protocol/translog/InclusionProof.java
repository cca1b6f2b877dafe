package dev.veil.protocol.translog;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * That leaf {@code leafIndex} (from 0) is in the tree of {@code treeSize} leaves: the RFC 9162 §2.1.3.1 inclusion
 * path, leaf's sibling first. Parsing checks only the shape (sizes not negative, each element 32 bytes); whether the
 * index fits the size and the path has exactly the right length is for {@link MerkleProofs#verifyInclusion}.
 */
public record InclusionProof(@JsonProperty(required = true) long leafIndex,
                             @JsonProperty(required = true) long treeSize,
                             @JsonProperty(required = true) List<byte[]> path) {
    public InclusionProof {
        if (leafIndex < 0 || treeSize < 0) {
            throw new IllegalArgumentException("inclusion proof leaf index and tree size must not be negative");
        }
        path = ProofPath.copyOf(path, "inclusion proof");
    }

    @Override
    public List<byte[]> path() {
        return ProofPath.copyOut(path);
    }
}
