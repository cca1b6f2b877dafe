package dev.veil.protocol.broker;

import dev.veil.protocol.wire.Messages;

/**
 * Instance → broker ({@code POST /v1/release}): evidence answering the broker's challenge, as the ceremony's
 * {@link Messages.EvidenceOffer}: platform, evidence whose report data binds {@code brokerNonce}, the contract hash and
 * the instance keys, the collateral the host ships with it (trusted below the broker's own), the instance keys, and the
 * instance's own nonce, which the broker's signed release answers.
 */
public record ReleaseRequest(String contractHash, byte[] brokerNonce, Messages.EvidenceOffer offer) {
    public ReleaseRequest {
        BrokerFields.requireContractHash(contractHash);
        brokerNonce = BrokerFields.requireNonce(brokerNonce, "broker_nonce");
        if (offer == null || offer.platform() == null || offer.evidence() == null || offer.instanceKeys() == null) {
            throw new IllegalArgumentException("a release request needs offer.platform, offer.evidence and offer.instance_keys");
        }
        BrokerFields.requireNonce(offer.enclaveNonce(), "offer.enclave_nonce");
    }

    @Override
    public byte[] brokerNonce() {
        return brokerNonce.clone();
    }
}
