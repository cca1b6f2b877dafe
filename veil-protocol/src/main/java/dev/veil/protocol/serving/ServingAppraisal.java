package dev.veil.protocol.serving;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.binding.InstanceKeys;

/**
 * Appraises a serving instance's evidence, as {@code EnclaveAppraisal} does a batch session's: verify it on its
 * platform, then hold its claims to the serving contract's reference values and to the binding of this nonce, the
 * serving contract's hash H(sc) and these instance keys ({@link EvidenceBinding}). A data provider seals requests
 * only to instance keys that passed this; the model provider provisions only after it. Pure.
 */
public final class ServingAppraisal {
    private ServingAppraisal() {
    }

    public static Claims appraise(ServingContractVerifier.Verified contract, Platform platform, byte[] evidence, byte[] nonce,
                                  InstanceKeys keys, VerificationOptions options) throws AttestationException {
        if (platform == null) {
            throw new AttestationException("platform", "(absent)", "one of sim, snp, tdx, sgx, nitro");
        }
        Claims claims = Verifiers.forPlatform(platform).verify(evidence, options);
        contract.contract().enclave().referenceValues().require(claims, EvidenceBinding.reportData(nonce, contract.hash(), keys));
        return claims;
    }
}
