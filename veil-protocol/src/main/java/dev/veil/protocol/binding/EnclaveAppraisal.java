package dev.veil.protocol.binding;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;
import dev.veil.protocol.contract.ContractVerifier;

/**
 * Appraises an enclave's evidence for a session: verify it on its platform, then hold its claims to the contract's
 * reference values (the same model and defaults as {@code veil attest verify}) and to the binding of this nonce,
 * this contract and these instance keys. Pure, and the same for both providers and for offline receipt checks.
 */
public final class EnclaveAppraisal {
    private EnclaveAppraisal() {
    }

    /** {@code platform} is the name the enclave sent; it is parsed here and must match the contract's. */
    public static Claims appraise(ContractVerifier.Verified contract, String platform, byte[] evidence, byte[] nonce,
                                  InstanceKeys keys, VerificationOptions options) throws AttestationException {
        Platform p;
        try {
            p = Platform.fromId(platform);
        } catch (IllegalArgumentException e) {
            throw new AttestationException("platform", String.valueOf(platform), "one of sim, snp, tdx, sgx, nitro");
        }
        Claims claims = Verifiers.forPlatform(p).verify(evidence, options);
        contract.contract().enclave().referenceValues()
                .require(claims, EvidenceBinding.reportData(nonce, contract.hash(), keys));
        return claims;
    }
}
