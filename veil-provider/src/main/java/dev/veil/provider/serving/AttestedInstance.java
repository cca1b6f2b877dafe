package dev.veil.provider.serving;

import dev.veil.provider.AttestedEnclave;
import java.time.Instant;

/**
 * A serving instance this client appraised: the verdict (claims, instance keys, evidence), the nonces of the exchange
 * and until when the client reuses it without asking again.
 */
public record AttestedInstance(AttestedEnclave enclave, byte[] providerNonce, byte[] enclaveNonce, Instant appraisedAt,
                               Instant reuseUntil) {
    public AttestedInstance {
        providerNonce = providerNonce.clone();
        enclaveNonce = enclaveNonce.clone();
    }

    @Override
    public byte[] providerNonce() {
        return providerNonce.clone();
    }

    @Override
    public byte[] enclaveNonce() {
        return enclaveNonce.clone();
    }
}
