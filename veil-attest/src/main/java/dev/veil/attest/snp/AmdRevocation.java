package dev.veil.attest.snp;

import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.x509.CertificateProfile;
import dev.veil.attest.x509.RevocationLists;
import dev.veil.attest.x509.Signatures;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * AMD's certificate revocation list for one product line: issued and signed by the ARK, served by AMD's KDS at
 * /vcek/v1/{product}/crl (DER). It revokes what the ARK issued (ASK, ASVK) and, through certificateIssuer entries,
 * anything it names under them. The verifier's own copy (trusted collateral) is used when it has one; the host's copy
 * only when it has none, so the host can never swap in an older list.
 */
final class AmdRevocation {
    private AmdRevocation() {
    }

    /**
     * Throws if the product's CRL fails its signature or window, or revokes a certificate of the chain; returns false
     * when neither source holds a CRL for this ARK (the caller reports {@code collateral_missing = amd_crl}).
     */
    static boolean check(AmdTrust trust, List<X509Certificate> chainBelowArk, List<String> roles, VerificationOptions options)
            throws AttestationException {
        List<X509CRL> candidates = forArk(options.trustedCollateral(), trust);
        if (candidates.isEmpty()) {
            candidates = forArk(options.evidenceCollateral(), trust);
        }
        if (candidates.isEmpty()) {
            return false;
        }
        CertificateProfile.requireCrlIssuer(trust.ark(), trust.arkRole());
        List<X509CRL> genuine = candidates.stream().filter(c -> Signatures.crl(c, trust.ark().getPublicKey())).toList();
        if (genuine.isEmpty()) {
            throw new AttestationException("AMD CRL signature", "invalid: does not verify with the pinned " + trust.arkRole(),
                    "the CRL AMD's KDS serves at /vcek/v1/" + trust.productName() + "/crl, signed by the ARK");
        }
        X509CRL crl = genuine.stream().max(Comparator.comparing(X509CRL::getThisUpdate)).orElseThrow();
        if (crl.hasUnsupportedCriticalExtension()) {
            throw new AttestationException("AMD CRL critical extensions", String.valueOf(crl.getCriticalExtensionOIDs()),
                    "only extensions this verifier understands (RFC 5280 §5.2)");
        }
        if (crl.getNextUpdate() == null || options.at().isBefore(crl.getThisUpdate().toInstant())
                || options.at().isAfter(crl.getNextUpdate().toInstant())) {
            throw new AttestationException("AMD CRL validity at " + options.at(),
                    crl.getThisUpdate().toInstant() + " .. " + (crl.getNextUpdate() == null ? "(no nextUpdate)" : crl.getNextUpdate().toInstant()),
                    "a CRL current at the verification time (fetch /vcek/v1/" + trust.productName() + "/crl from AMD's KDS again)");
        }
        for (int i = 0; i < chainBelowArk.size(); i++) {
            Optional<X509CRLEntry> revoked = RevocationLists.revocationOf(crl, chainBelowArk.get(i));
            if (revoked.isPresent()) {
                throw new AttestationException(roles.get(i) + " certificate", "revoked by AMD (serial "
                        + chainBelowArk.get(i).getSerialNumber().toString(16) + ", since " + revoked.get().getRevocationDate().toInstant() + ")",
                        "a certificate that is not on " + trust.arkRole() + "'s CRL");
            }
        }
        return true;
    }

    private static List<X509CRL> forArk(List<byte[]> blobs, AmdTrust trust) {
        List<X509CRL> out = new ArrayList<>();
        for (byte[] b : blobs) {
            for (X509CRL c : RevocationLists.parseAll(b)) {
                if (c.getIssuerX500Principal().equals(trust.ark().getSubjectX500Principal())) {
                    out.add(c);
                }
            }
        }
        return out;
    }
}
