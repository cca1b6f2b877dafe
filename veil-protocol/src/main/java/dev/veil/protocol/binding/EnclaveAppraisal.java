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

    /**
     * {@code platform} is the platform the enclave named (parsed with its message, so an unknown name never gets
     * here); the evidence is verified as that platform's and its claims must then be of the contract's platform.
     */
    public static Claims appraise(ContractVerifier.Verified contract, Platform platform, byte[] evidence, byte[] nonce,
                                  InstanceKeys keys, VerificationOptions options) throws AttestationException {
        if (platform == null) {
            throw new AttestationException("platform", "(absent)", "one of sim, snp, tdx, sgx, nitro");
        }
        Claims claims = Verifiers.forPlatform(platform).verify(evidence, options);
        contract.contract().enclave().referenceValues()
                .require(claims, EvidenceBinding.reportData(nonce, contract.hash(), keys));
        return claims;
    }
}
