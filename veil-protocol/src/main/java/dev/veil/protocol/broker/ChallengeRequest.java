package dev.veil.protocol.broker;

/** Instance → broker ({@code POST /v1/challenge}): "give me a fresh nonce to bind into evidence for this contract". */
public record ChallengeRequest(String contractHash) {
    public ChallengeRequest {
        BrokerFields.requireContractHash(contractHash);
    }
}
