package dev.veil.provider.serving;

import dev.veil.provider.AttestedEnclave;
import java.time.Instant;

/**
 * A serving instance this client appraised: the verdict (claims, instance keys, evidence), the collateral the host sent
 * with the evidence, the nonces of the exchange
 * and until when the client reuses it without asking again.
 */
public record AttestedInstance(AttestedEnclave enclave, java.util.List<byte[]> collateral, byte[] providerNonce, byte[] enclaveNonce,
                               Instant appraisedAt, Instant reuseUntil) {
    public AttestedInstance {
        collateral = java.util.List.copyOf(collateral);
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
