package dev.veil.protocol.serving;

import dev.veil.protocol.identity.PublicIdentity;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The signed header of one serving request, as the data provider wrote it. Everything in it is checked when it is
 * parsed, so a header that exists is well-formed; whether the enclave accepts it is {@link ServingGateway}'s job.
 *
 * @param contractHash hex H(sc) of the serving contract the request is made under
 * @param dataProvider the requester's whole public identity (an {@code any} contract names no keys to look up)
 * @param requestId 16 random bytes, hex: what the replay guard remembers, and what the response answers
 * @param createdAt ISO-8601 instant the request was made; the enclave refuses one outside its replay window
 * @param rows how many input rows the request's tensors hold (their first dimension), counted against the budgets
 */
public record ServingRequest(Integer veilServingRequest, String contractHash, PublicIdentity dataProvider,
                             String requestId, String createdAt, Long rows) {
    public static final int VERSION = 1;

    public ServingRequest {
        if (veilServingRequest == null || contractHash == null || dataProvider == null || requestId == null
                || createdAt == null || rows == null) {
            throw new IllegalArgumentException("serving request is incomplete: it needs veil_serving_request, contract_hash, "
                    + "data_provider, request_id, created_at and rows");
        }
        if (veilServingRequest != VERSION) {
            throw new IllegalArgumentException("serving request version " + veilServingRequest + " is not supported (expected "
                    + VERSION + ")");
        }
        if (!contractHash.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("serving request contract_hash must be 64 lowercase hex digits");
        }
        if (!requestId.matches("[0-9a-f]{32}")) {
            throw new IllegalArgumentException("serving request request_id must be 32 lowercase hex digits");
        }
        try {
            Instant.parse(createdAt);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("serving request created_at is not an ISO-8601 instant");
        }
        if (rows < 1) {
            throw new IllegalArgumentException("serving request rows must be at least 1");
        }
    }

    public Instant createdAtInstant() {
        return Instant.parse(createdAt);
    }
}
