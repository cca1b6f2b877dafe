package dev.veil.protocol.broker;

import dev.veil.protocol.json.MayBeAbsent;

/**
 * Caller → broker ({@code POST /v1/keys/challenge}): "give me a fresh nonce for one wrap or unwrap". An instance names
 * the contract it was released to under; the broker's own provider (wrapping its dataset's keys) names none. The nonce
 * answers one data-key request of that caller kind, once ({@link WrapRequest}, {@link UnwrapRequest}).
 *
 * @param contractHash the calling instance's contract, or absent when the broker's provider asks
 */
public record DataKeyChallengeRequest(@MayBeAbsent String contractHash) {
    public DataKeyChallengeRequest {
        if (contractHash != null) {
            BrokerFields.requireContractHash(contractHash);
        }
    }

    /** What the broker binds the nonce to: the contract hash, or "provider" for the provider's own requests. */
    public static String binding(String contractHash) {
        return contractHash == null ? "provider" : contractHash;
    }
}
