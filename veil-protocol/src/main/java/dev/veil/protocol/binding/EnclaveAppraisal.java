package dev.veil.protocol.binding;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.Verifiers;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Platform;
import dev.veil.protocol.contract.ContractVerifier;

/**
 * Appraises an enclave's evidence for a session: verify it on its platform, then hold its claims to the contract's
 * reference values and to the binding of this nonce, this contract and these instance keys. Pure, and the same for
 * both providers and for offline receipt checks.
 */
public final class EnclaveAppraisal {
    private EnclaveAppraisal() {
    }

    public static Claims appraise(ContractVerifier.Verified contract, String platform, byte[] evidence, byte[] nonce,
                                  InstanceKeys keys, VerificationOptions options) throws AttestationException {
        Platform p;
        try {
            p = Platform.fromId(platform);
        } catch (IllegalArgumentException e) {
            throw new AttestationException("platform", platform, "one of sim, snp, tdx, sgx, nitro");
        }
        Claims claims = Verifiers.forPlatform(p).verify(evidence, options);
        contract.contract().enclave().referenceValues()
                .require(claims, EvidenceBinding.reportData(nonce, contract.hash(), keys));
        return claims;
    }
}
