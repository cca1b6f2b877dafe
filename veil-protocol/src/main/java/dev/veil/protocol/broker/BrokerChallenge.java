package dev.veil.protocol.broker;

/**
 * Broker → instance: the broker's fresh nonce for one release under {@code contractHash}, usable once, until
 * {@code expiresAt} (seconds since 1970 UTC, the broker's clock). The instance binds it into its report data
 * ({@link dev.veil.protocol.binding.EvidenceBinding}) with the contract hash and its instance keys.
 */
public record BrokerChallenge(String contractHash, byte[] nonce, long expiresAt) {
    public BrokerChallenge {
        BrokerFields.requireContractHash(contractHash);
        nonce = BrokerFields.requireNonce(nonce, "nonce");
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }
}
