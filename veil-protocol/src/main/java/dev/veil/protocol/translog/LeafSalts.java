package dev.veil.protocol.translog;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.security.SecureRandom;

/**
 * The three random 32-byte salts of one log leaf, one per commitment, fresh for every request. Only the data provider
 * who made the request gets them (sealed with its response); without them a leaf's commitments are opaque, and two
 * leaves of one data provider cannot be linked. One salt per commitment, so that a data provider can open one (show
 * an auditor which request was answered) without opening the others (who asked).
 */
public record LeafSalts(@JsonProperty(required = true) byte[] request,
                        @JsonProperty(required = true) byte[] response,
                        @JsonProperty(required = true) byte[] requester) {
    private static final SecureRandom RANDOM = new SecureRandom();

    public LeafSalts {
        request = Bytes32.copy(request, "request salt");
        response = Bytes32.copy(response, "response salt");
        requester = Bytes32.copy(requester, "requester salt");
    }

    public static LeafSalts random() {
        return new LeafSalts(fresh(), fresh(), fresh());
    }

    @Override
    public byte[] request() {
        return request.clone();
    }

    @Override
    public byte[] response() {
        return response.clone();
    }

    @Override
    public byte[] requester() {
        return requester.clone();
    }

    private static byte[] fresh() {
        byte[] s = new byte[MerkleHash.LENGTH];
        RANDOM.nextBytes(s);
        return s;
    }
}
