package dev.veil.protocol.broker;

/**
 * Broker → caller: a fresh nonce for one data-key request ({@link WrapRequest} or {@link UnwrapRequest}), usable once,
 * until {@code expiresAt} (seconds since 1970 UTC, the broker's clock). The caller signs it with its request, so a
 * captured request cannot be answered again: its nonce is spent.
 */
public record DataKeyChallenge(byte[] nonce, long expiresAt) {
    public DataKeyChallenge {
        nonce = BrokerFields.requireNonce(nonce, "nonce");
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }
}
