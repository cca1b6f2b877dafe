package dev.veil.attest.sim;

import dev.veil.attest.AttestationException;
import dev.veil.attest.x509.Signatures;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.x500.X500Principal;

/**
 * Sim chip certificates, parsed and checked once: issued by the pinned {@link SimRoot} (its signature), holding a P-384
 * key. They are remembered by their exact DER bytes (at most {@value #MAX_REMEMBERED}), as collateral signatures are in
 * {@link Signatures}, since an instance presents the same certificate with every report: a broker appraising every
 * release need not parse it, hash it for the signature cache and parse and compare its names each time. What depends on the appraisal is checked on
 * every use, remembered or not: the validity window at the verification time and the binding to the report's chip id;
 * the report's own signature is never remembered ({@link SimEvidenceVerifier}).
 */
final class SimChipCertificates {
    private static final int MAX_REMEMBERED = 1024;
    private static final X500Principal ROOT = new X500Principal(SimRoot.SUBJECT);
    private static final Map<ByteBuffer, Chip> CHECKED = new ConcurrentHashMap<>();

    /** A certificate that passed the checks that do not depend on the appraisal. */
    static final class Chip {
        private final X509Certificate certificate;
        /** The one chip id its subject names, once a report's chip id was found to match it. */
        private volatile byte[] boundChipId;

        private Chip(X509Certificate certificate) {
            this.certificate = certificate;
        }

        X509Certificate certificate() {
            return certificate;
        }

        /** Refuses unless the certificate's subject names exactly {@code chipId} (all 32 bytes). */
        void requireBoundTo(byte[] chipId) throws AttestationException {
            byte[] bound = boundChipId;
            if (bound != null && Arrays.equals(bound, chipId)) {
                return;
            }
            String expected = SimCertificates.chipSubject(chipId);
            if (!certificate.getSubjectX500Principal().equals(new X500Principal(expected))) {
                throw new AttestationException("sim chip certificate subject", certificate.getSubjectX500Principal().getName(),
                        expected + " (bound to the report's chip_id)");
            }
            boundChipId = chipId.clone();   // a subject names one chip id: no other can match it later
        }

        /** Refuses unless {@code at} is within the certificate's validity window. */
        void requireValidAt(Instant at) throws AttestationException {
            try {
                certificate.checkValidity(Date.from(at));
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                throw new AttestationException("sim chip certificate validity at " + at,
                        certificate.getNotBefore().toInstant() + ".." + certificate.getNotAfter().toInstant(), "a window containing " + at);
            }
        }
    }

    private SimChipCertificates() {
    }

    /**
     * The chip certificate {@code der}, valid at {@code at}: parsed, issuer, root signature and key checked the first
     * time these exact bytes are seen, the validity window every time.
     */
    static Chip validAt(byte[] der, Instant at) throws AttestationException {
        Chip known = CHECKED.get(ByteBuffer.wrap(der));
        if (known != null) {
            known.requireValidAt(at);
            return known;
        }
        Chip chip = new Chip(parse(der));
        X509Certificate c = chip.certificate();
        if (!c.getIssuerX500Principal().equals(ROOT)) {
            throw new AttestationException("sim chip certificate issuer", c.getIssuerX500Principal().getName(), SimRoot.SUBJECT);
        }
        if (!Signatures.certificate(c, SimRoot.publicKey())) {
            throw new AttestationException("sim chip certificate signature", "not signed by the pinned sim root",
                    "a signature by " + SimRoot.SUBJECT);
        }
        chip.requireValidAt(at);
        if (!(c.getPublicKey() instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 384) {
            throw new AttestationException("sim chip certificate key", c.getPublicKey().getAlgorithm(), "EC P-384");
        }
        if (CHECKED.size() >= MAX_REMEMBERED) {
            CHECKED.clear();
        }
        CHECKED.putIfAbsent(ByteBuffer.wrap(der.clone()), chip);
        return chip;
    }

    private static X509Certificate parse(byte[] der) throws AttestationException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new AttestationException("sim chip certificate", "not a parseable X.509 certificate", "DER X.509");
        }
    }
}
