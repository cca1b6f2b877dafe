package dev.veil.attest.sim;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.EvidenceVerifier;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.claims.SimClaims;
import dev.veil.attest.x509.Signatures;

/**
 * Verifies sim evidence: chip certificate issued by the pinned {@link SimRoot} and valid at the verification time,
 * bound to the report's chip id, and the report signed by the chip key. Whether sim is acceptable at all is policy
 * ({@code allow_simulated}), decided by {@link dev.veil.attest.ReferenceValues}. The certificate's checks that do not
 * depend on the appraisal are made once per certificate ({@link SimChipCertificates}); the report signature, every time.
 */
public final class SimEvidenceVerifier implements EvidenceVerifier {
    @Override
    public Platform platform() {
        return Platform.SIM;
    }

    @Override
    public Claims verify(byte[] evidence, VerificationOptions options) throws AttestationException {
        SimEvidence parsed = SimEvidence.parse(evidence);
        SimReport report = parsed.report();
        SimChipCertificates.Chip chip = SimChipCertificates.validAt(parsed.certificates().get(0), options.at());
        chip.requireBoundTo(report.chipId());
        if (!Signatures.ecdsaP1363("SHA384", chip.certificate().getPublicKey(), report.signedBytes(), report.signature())) {
            throw new AttestationException("sim report signature", "invalid: does not verify with the chip key",
                    "a valid ECDSA P-384 signature over bytes 0x000..0x0BF");
        }
        return new Claims(report.measurement(), report.reportData(), report.debug(), new SimClaims(report.chipId()));
    }
}
