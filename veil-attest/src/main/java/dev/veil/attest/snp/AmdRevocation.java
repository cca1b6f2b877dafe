package dev.veil.attest.snp;

import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.x509.CertificateProfile;
import dev.veil.attest.x509.RevocationLists;
import dev.veil.attest.x509.Signatures;
import dev.veil.attest.x509.X509Blob;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * AMD's certificate revocation lists for one product line: issued and signed by the ARK, served by AMD's KDS at
 * /vcek/v1/{product}/crl and /vlek/v1/{product}/crl (DER). They revoke what the ARK issued (ASK, ASVK) and, through
 * certificateIssuer entries, anything they name under those. The verifier's own copy (trusted collateral) is used when
 * it has one; the host's copy only when it has none, so the host can never swap in an older list. The verifier's own
 * collateral is therefore read to its last byte or refused ({@link #trustedCrls}): a copy it could not read would
 * otherwise count as none, and hand the decision to the host.
 */
final class AmdRevocation {
    private AmdRevocation() {
    }

    /**
     * Throws if no CRL for the ARK verifies, none is current at the verification time, or any genuine one revokes a
     * certificate of the chain; returns false
     * when neither source holds a CRL for this ARK (the caller reports {@code collateral_missing = amd_crl}).
     */
    static boolean check(AmdTrust trust, List<X509Certificate> chainBelowArk, List<String> roles, List<X509CRL> trustedCrls,
                         VerificationOptions options) throws AttestationException {
        List<X509CRL> candidates = forArk(trustedCrls, trust);
        if (candidates.isEmpty()) {
            // the host's blobs may be read leniently: a host that sends an unreadable list gains nothing it could not get by sending none
            candidates = forArk(options.evidenceCollateral().stream().flatMap(b -> RevocationLists.parseAll(b).stream()).toList(), trust);
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
        X509CRL newest = genuine.stream().max(Comparator.comparing(X509CRL::getThisUpdate)).orElseThrow();
        for (X509CRL crl : genuine) {
            if (crl.hasUnsupportedCriticalExtension()) {
                throw new AttestationException("AMD CRL critical extensions", String.valueOf(crl.getCriticalExtensionOIDs()),
                        "only extensions this verifier understands (RFC 5280 §5.2)");
            }
        }
        if (genuine.stream().noneMatch(c -> current(c, options.at()))) {
            throw new AttestationException("AMD CRL validity at " + options.at(),
                    newest.getThisUpdate().toInstant() + " .. " + (newest.getNextUpdate() == null ? "(no nextUpdate)" : newest.getNextUpdate().toInstant()),
                    "a CRL current at the verification time (fetch /vcek/v1/" + trust.productName() + "/crl from AMD's KDS again)");
        }
        // every genuine list counts: AMD serves two per product under the same ARK (/vcek/ and /vlek/), and a
        // certificate once revoked stays revoked, so an older or sibling list cannot be outvoted by a newer one
        for (X509CRL crl : genuine) {
            for (int i = 0; i < chainBelowArk.size(); i++) {
                Optional<X509CRLEntry> revoked = RevocationLists.revocationOf(crl, chainBelowArk.get(i));
                if (revoked.isPresent()) {
                    throw new AttestationException(roles.get(i) + " certificate", "revoked by AMD (serial "
                            + chainBelowArk.get(i).getSerialNumber().toString(16) + ", since " + revoked.get().getRevocationDate().toInstant() + ")",
                            "a certificate that is not on " + trust.arkRole() + "'s CRL");
                }
            }
        }
        return true;
    }

    private static boolean current(X509CRL crl, java.time.Instant at) {
        return crl.getNextUpdate() != null && !at.isBefore(crl.getThisUpdate().toInstant()) && !at.isAfter(crl.getNextUpdate().toInstant());
    }

    /**
     * Every CRL in the verifier's own collateral, each blob that is (or looks meant to be) certificates or CRLs read
     * whole by {@link X509Blob} or refused naming it: a CRL in a PEM bundle with the chain, behind a byte order mark or
     * written in hex must not silently count as absent. Other files (notes, the report itself) are passed by, as
     * {@code veil attest verify --collateral DIR} promises.
     */
    static List<X509CRL> trustedCrls(List<byte[]> trusted) throws AttestationException {
        List<X509CRL> out = new ArrayList<>();
        for (int i = 0; i < trusted.size(); i++) {
            if (!X509Blob.mayHoldX509(trusted.get(i))) {
                continue;
            }
            out.addAll(X509Blob.read(trusted.get(i), "verifier's collateral item " + (i + 1) + " of " + trusted.size(),
                    "a certificate or CRL", "certificates and CRLs in DER or PEM, readable to the last byte").crls());
        }
        return out;
    }

    private static List<X509CRL> forArk(List<X509CRL> crls, AmdTrust trust) {
        return crls.stream().filter(c -> c.getIssuerX500Principal().equals(trust.ark().getSubjectX500Principal())).toList();
    }
}
