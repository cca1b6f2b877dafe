package dev.veil.protocol.translog;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a data provider's serving receipt carries about its request: the log leaf, its inclusion proof, and the
 * signed head of the tree the proof leads to. {@link LogVerifier#verifyInclusion} checks it offline.
 */
public record LogInclusion(@JsonProperty(required = true) LogLeaf leaf,
                           @JsonProperty(required = true) InclusionProof proof,
                           @JsonProperty(required = true) SignedTreeHead head) {
    public LogInclusion {
        if (leaf == null || proof == null || head == null) {
            throw new IllegalArgumentException("a log inclusion needs a leaf, an inclusion proof and a signed tree head");
        }
    }
}
