package dev.veil.protocol.translog;

import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * What a log leaf says about one answered request: salted commitments to the request, to the response and to the data
 * provider who sent it, and nothing else. Each is {@code Digests.labelled256(label, salt, value...)} (label, a zero
 * byte, then each part prefixed by its 4-byte big-endian length) under its own label, so a commitment of one kind
 * never matches another.
 */
public record LeafCommitments(byte[] request, byte[] response, byte[] requester) {
    static final String REQUEST_LABEL = "veil log request commitment v1";
    static final String RESPONSE_LABEL = "veil log response commitment v1";
    static final String REQUESTER_LABEL = "veil log requester commitment v1";

    public LeafCommitments {
        request = Bytes32.copy(request, "request commitment");
        response = Bytes32.copy(response, "response commitment");
        requester = Bytes32.copy(requester, "requester commitment");
    }

    /**
     * Commits to one request. {@code requestSha256} is the SHA-256 of the request's plaintext as the enclave decrypted
     * it and {@code responseSha256} that of the response's plaintext before it was sealed: the data provider holds
     * both plaintexts. The requester is committed to by its public keys (its name is a label, not identity).
     */
    public static LeafCommitments commit(LeafSalts salts, byte[] requestSha256, byte[] responseSha256, PublicIdentity requester) {
        return new LeafCommitments(
                Digests.labelled256(REQUEST_LABEL, salts.request(), Bytes32.copy(requestSha256, "request digest")),
                Digests.labelled256(RESPONSE_LABEL, salts.response(), Bytes32.copy(responseSha256, "response digest")),
                Digests.labelled256(REQUESTER_LABEL, salts.requester(), requester.signingKey(),
                        requester.keyAgreementSuite().id().getBytes(StandardCharsets.US_ASCII), requester.keyAgreementKey()));
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

    /** Which commitment differs from {@code other}'s, compared in constant time, or null when all three match. */
    String firstDifference(LeafCommitments other) {
        if (!MessageDigest.isEqual(request, other.request)) {
            return "request";
        }
        if (!MessageDigest.isEqual(response, other.response)) {
            return "response";
        }
        if (!MessageDigest.isEqual(requester, other.requester)) {
            return "requester";
        }
        return null;
    }
}
