package dev.veil.attest.sim;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.EvidenceVerifier;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.claims.SimClaims;
import dev.veil.attest.x509.Signatures;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Date;
import javax.security.auth.x500.X500Principal;

/**
 * Verifies sim evidence: chip certificate issued by the pinned {@link SimRoot} and valid at the verification time,
 * bound to the report's chip id, and the report signed by the chip key. Whether sim is acceptable at all is policy
 * ({@code allow_simulated}), decided by {@link dev.veil.attest.ReferenceValues}.
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
        X509Certificate chip = chipCertificate(parsed.certificates().get(0), options);
        String expectedSubject = SimCertificates.chipSubject(report.chipId());
        if (!chip.getSubjectX500Principal().equals(new X500Principal(expectedSubject))) {
            throw new AttestationException("sim chip certificate subject", chip.getSubjectX500Principal().getName(),
                    expectedSubject + " (bound to the report's chip_id)");
        }
        if (!Signatures.ecdsaP1363("SHA384", chip.getPublicKey(), report.signedBytes(), report.signature())) {
            throw new AttestationException("sim report signature", "invalid: does not verify with the chip key",
                    "a valid ECDSA P-384 signature over bytes 0x000..0x0BF");
        }
        return new Claims(report.measurement(), report.reportData(), report.debug(), new SimClaims(report.chipId()));
    }

    private static X509Certificate chipCertificate(byte[] der, VerificationOptions options) throws AttestationException {
        X509Certificate chip;
        try {
            chip = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new AttestationException("sim chip certificate", "not a parseable X.509 certificate", "DER X.509");
        }
        if (!chip.getIssuerX500Principal().equals(new X500Principal(SimRoot.SUBJECT))) {
            throw new AttestationException("sim chip certificate issuer", chip.getIssuerX500Principal().getName(), SimRoot.SUBJECT);
        }
        if (!Signatures.certificate(chip, SimRoot.publicKey())) {
            throw new AttestationException("sim chip certificate signature", "not signed by the pinned sim root",
                    "a signature by " + SimRoot.SUBJECT);
        }
        try {
            chip.checkValidity(Date.from(options.at()));
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw new AttestationException("sim chip certificate validity at " + options.at(),
                    chip.getNotBefore().toInstant() + ".." + chip.getNotAfter().toInstant(), "a window containing " + options.at());
        }
        if (!(chip.getPublicKey() instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 384) {
            throw new AttestationException("sim chip certificate key", chip.getPublicKey().getAlgorithm(), "EC P-384");
        }
        return chip;
    }
}
