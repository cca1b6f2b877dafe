package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import dev.veil.attest.claims.CollateralKind;
import dev.veil.attest.x509.CertificateSet;
import dev.veil.attest.x509.Signatures;
import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The two CRLs of Intel's SGX PKI, each recognised by its issuer: the Root CA CRL (issued by the pinned root; lists
 * revoked PCK CAs and TCB Signing certificates) and the PCK CRL (issued by the quote's PCK CA; lists revoked PCK
 * certificates). For each, the verifier's own CRLs are used when it has any, the host's only otherwise. Every CRL of
 * that source must verify with its issuer (a forged one is refused, not skipped); among those that are complete by
 * {@link IntelCrlProfile}, the newest one valid at the verification time is the one in force. With none complete,
 * the kind is reported missing. A certificate listed on any genuine CRL of its issuer, from either source, is
 * revoked: Intel does not un-revoke, so a genuine older list is still proof.
 */
final class RevocationLists {
    /** Which list, by its name in {@code collateral_missing}. */
    enum Kind {
        PCK_CRL(CollateralKind.PCK_CRL), ROOT_CA_CRL(CollateralKind.ROOT_CA_CRL);

        final CollateralKind collateral;

        Kind(CollateralKind collateral) {
            this.collateral = collateral;
        }
    }

    /** @param notCounted why the source's CRLs of this issuer, all genuine, hold no complete one (empty otherwise) */
    private record IssuerList(Kind kind, X509Certificate issuer, Optional<X509CRL> inForce, List<X509CRL> genuine,
                              Optional<String> notCounted) {
        String name() {
            return CertificateSet.commonName(issuer) + " CRL";
        }
    }

    private final IssuerList pck;
    private final IssuerList root;

    private RevocationLists(IssuerList pck, IssuerList root) {
        this.pck = pck;
        this.root = root;
    }

    static RevocationLists select(IntelCollateral trusted, IntelCollateral host, X509Certificate rootCa, X509Certificate pckCa,
                                  Instant at) throws AttestationException {
        return new RevocationLists(select(Kind.PCK_CRL, pckCa, trusted, host, at), select(Kind.ROOT_CA_CRL, rootCa, trusted, host, at));
    }

    private static IssuerList select(Kind kind, X509Certificate issuer, IntelCollateral trusted, IntelCollateral host, Instant at)
            throws AttestationException {
        List<X509CRL> mine = issuedBy(trusted, issuer);
        List<X509CRL> used = mine.isEmpty() ? issuedBy(host, issuer) : mine;
        String name = CertificateSet.commonName(issuer) + " CRL";
        for (X509CRL crl : used) {
            if (!Signatures.crl(crl, issuer.getPublicKey())) {
                throw new AttestationException(name + " signature", "invalid: does not verify with its issuer",
                        "a CRL signed by " + CertificateSet.commonName(issuer));
            }
        }
        List<X509CRL> genuine = new ArrayList<>(used);
        if (!mine.isEmpty()) {
            issuedBy(host, issuer).stream().filter(c -> Signatures.crl(c, issuer.getPublicKey())).forEach(genuine::add);
        }
        List<X509CRL> complete = used.stream().filter(c -> IntelCrlProfile.whyIncomplete(c).isEmpty()).toList();
        Date when = Date.from(at);
        Optional<X509CRL> inForce = complete.stream()
                .filter(c -> !c.getThisUpdate().after(when) && !c.getNextUpdate().before(when))
                .max(Comparator.comparing(X509CRL::getThisUpdate));
        if (inForce.isEmpty() && !complete.isEmpty()) {
            X509CRL newest = complete.stream().max(Comparator.comparing(X509CRL::getThisUpdate)).orElseThrow();
            throw new AttestationException(name + " validity at " + at, newest.getThisUpdate().toInstant() + " .. "
                    + newest.getNextUpdate().toInstant(), "a window containing the verification time");
        }
        // Only genuine but incomplete lists in the source used: the kind is reported missing, never filled from the other source.
        Optional<String> notCounted = complete.isEmpty() && !used.isEmpty() ? IntelCrlProfile.whyIncomplete(used.get(0)) : Optional.empty();
        return new IssuerList(kind, issuer, inForce, genuine, notCounted);
    }

    private static List<X509CRL> issuedBy(IntelCollateral c, X509Certificate issuer) {
        return c.crls().stream().filter(crl -> crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())).toList();
    }

    boolean has(Kind kind) {
        return list(kind).inForce().isPresent();
    }

    /**
     * Refuses {@code subject} when a genuine CRL of {@code kind} lists its serial; nothing to check when there is none.
     * The caller has checked that {@code subject} was signed by this list's issuer under the issuer's name. Entries
     * are matched on the serial alone, as QVL's CrlStore::isRevoked does: the JDK's {@code X509CRL#isRevoked} also
     * compares issuer names, and any certificate it missed that way would escape the list.
     */
    void requireNotRevoked(X509Certificate subject, String role, Kind kind) throws AttestationException {
        IssuerList l = list(kind);
        for (X509CRL crl : l.genuine()) {
            if (listsSerial(crl, subject.getSerialNumber())) {
                throw new AttestationException(role + " certificate", "revoked (serial " + subject.getSerialNumber().toString(16)
                        + " is on the " + l.name() + ")", "not revoked");
            }
        }
    }

    private static boolean listsSerial(X509CRL crl, BigInteger serial) {
        Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
        return entries != null && entries.stream().anyMatch(e -> e.getSerialNumber().equals(serial));
    }

    /** The {@code pck_crl} claim: which lists were checked. */
    String describe() {
        List<String> done = new ArrayList<>();
        List<String> notCounted = new ArrayList<>();
        for (IssuerList l : List.of(pck, root)) {
            if (l.inForce().isPresent()) {
                done.add(l.name());
            }
            l.notCounted().ifPresent(why -> notCounted.add(l.name() + " " + why));
        }
        String unused = notCounted.isEmpty() ? "" : "; not counted as complete: " + String.join(", ", notCounted);
        if (done.isEmpty()) {
            return "not checked (" + (notCounted.isEmpty() ? "no CRL supplied" : "no complete CRL" + unused) + ")";
        }
        return "not revoked (" + String.join(", ", done) + ")" + unused;
    }

    private IssuerList list(Kind kind) {
        return kind == Kind.PCK_CRL ? pck : root;
    }
}
