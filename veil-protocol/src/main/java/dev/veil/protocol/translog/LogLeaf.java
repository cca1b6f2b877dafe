package dev.veil.protocol.translog;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One answered request, as the enclave logs it: the contract it was served under, its place in the log, when it was
 * answered (seconds since 1970 UTC, the enclave's clock), and the three salted commitments of {@link LeafCommitments}.
 * No data, no digest of data without a salt, no identity: whoever reads the log without the salts (the model
 * provider, the host) learns that a request was answered and when, not what it held nor who sent it.
 *
 * <p>The Merkle tree hashes the leaf's fixed binary encoding ({@link #encode}), {@value #ENCODED_LENGTH} bytes:
 * <pre>
 *   "veil log leaf v1" 0x00 | contract hash (32) | sequence (u64 BE) | timestamp (u64 BE)
 *   | request commitment (32) | response commitment (32) | requester commitment (32)
 * </pre>
 * The label carries the version; every field has a fixed length, so the encoding is unambiguous.
 */
public record LogLeaf(@JsonProperty(required = true) int version,
                      @JsonProperty(required = true) byte[] contractHash,
                      @JsonProperty(required = true) long sequence,
                      @JsonProperty(required = true) long timestamp,
                      @JsonProperty(required = true) byte[] requestCommitment,
                      @JsonProperty(required = true) byte[] responseCommitment,
                      @JsonProperty(required = true) byte[] requesterCommitment) {
    public static final int VERSION = 1;
    static final String LABEL = "veil log leaf v1";
    public static final int ENCODED_LENGTH = LABEL.length() + 1 + 32 + 8 + 8 + 3 * 32;

    public LogLeaf {
        if (version != VERSION) {
            throw new IllegalArgumentException("log leaf version " + version + " is not supported (this verifier knows version " + VERSION + ")");
        }
        contractHash = Bytes32.copy(contractHash, "log leaf contract hash");
        if (sequence < 0 || timestamp < 0) {
            throw new IllegalArgumentException("log leaf sequence and timestamp must not be negative");
        }
        requestCommitment = Bytes32.copy(requestCommitment, "log leaf request commitment");
        responseCommitment = Bytes32.copy(responseCommitment, "log leaf response commitment");
        requesterCommitment = Bytes32.copy(requesterCommitment, "log leaf requester commitment");
    }

    public static LogLeaf of(byte[] contractHash, long sequence, long timestamp, LeafCommitments commitments) {
        return new LogLeaf(VERSION, contractHash, sequence, timestamp, commitments.request(), commitments.response(),
                commitments.requester());
    }

    @Override
    public byte[] contractHash() {
        return contractHash.clone();
    }

    @Override
    public byte[] requestCommitment() {
        return requestCommitment.clone();
    }

    @Override
    public byte[] responseCommitment() {
        return responseCommitment.clone();
    }

    @Override
    public byte[] requesterCommitment() {
        return requesterCommitment.clone();
    }

    public LeafCommitments commitments() {
        return new LeafCommitments(requestCommitment, responseCommitment, requesterCommitment);
    }

    /** The bytes the Merkle tree hashes as this leaf. */
    public byte[] encode() {
        return ByteBuffer.allocate(ENCODED_LENGTH)
                .put(LABEL.getBytes(StandardCharsets.US_ASCII)).put((byte) 0)
                .put(contractHash).putLong(sequence).putLong(timestamp)
                .put(requestCommitment).put(responseCommitment).put(requesterCommitment)
                .array();
    }

    /** RFC 9162's leaf hash of {@link #encode}. */
    public byte[] leafHash() {
        return MerkleHash.leaf(encode());
    }
}
