package dev.veil.provider;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Collateral the provider obtains itself for the evidence an enclave sent (from Intel PCS/PCCS or AMD KDS, through its
 * own cache). It joins the options' trusted collateral, which the verifiers prefer over the copy that came from the
 * enclave's host. The evidence is only read to know what to fetch; it is verified afterwards like any other.
 */
@FunctionalInterface
public interface TrustedCollateral {
    /** Nothing beyond what the options already hold. */
    TrustedCollateral NONE = (platform, evidence, fromHost) -> List.of();

    /** @param fromHost the certificates and collateral the enclave's host sent (an SNP VCEK there is not fetched again) */
    List<byte[]> forEvidence(Platform platform, byte[] evidence, List<byte[]> fromHost) throws IOException, AttestationException;

    /** {@code options} with this provider's own collateral for {@code evidence} added to the trusted side. */
    default VerificationOptions addTo(VerificationOptions options, Platform platform, byte[] evidence, List<byte[]> fromHost)
            throws IOException, AttestationException {
        List<byte[]> own = forEvidence(platform, evidence, fromHost);
        if (own.isEmpty()) {
            return options;
        }
        List<byte[]> trusted = new ArrayList<>(options.trustedCollateral());
        trusted.addAll(own);
        return new VerificationOptions(options.at(), trusted, options.evidenceCollateral());
    }
}
