package dev.veil.attest.x509;

import dev.veil.attest.AttestationException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a certificate may be used for, read from its basicConstraints and keyUsage extensions (RFC 5280 §4.2.1.3,
 * §4.2.1.9): an issuer must be a CA allowed to sign certificates (or CRLs), a signing leaf must not be a CA. These
 * checks stop a leaf key from issuing certificates and a CA key from signing evidence.
 */
public final class CertificateProfile {
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_CERT_SIGN = 5;
    private static final int CRL_SIGN = 6;

    private CertificateProfile() {
    }

    /** basicConstraints with cA=TRUE. */
    public static boolean isCa(X509Certificate c) {
        return c.getBasicConstraints() >= 0;
    }

    /** A CA with keyCertSign: the only kind of certificate whose key may verify other certificates. */
    public static void requireCa(X509Certificate c, String role) throws AttestationException {
        if (!isCa(c)) {
            throw new AttestationException(role + " certificate basicConstraints", "not a CA (cA absent or FALSE)",
                    "cA=TRUE: only a CA certificate may issue certificates (RFC 5280 §4.2.1.9)");
        }
        requireKeyUsage(c, role, KEY_CERT_SIGN, "keyCertSign");
    }

    /** A CA with cRLSign: the only kind of certificate whose key may verify a CRL (RFC 5280 §4.2.1.3). */
    public static void requireCrlIssuer(X509Certificate c, String role) throws AttestationException {
        if (!isCa(c)) {
            throw new AttestationException(role + " certificate basicConstraints", "not a CA (cA absent or FALSE)",
                    "cA=TRUE: only a CA may sign a CRL");
        }
        requireKeyUsage(c, role, CRL_SIGN, "cRLSign");
    }

    /**
     * A leaf that signs evidence: not a CA, and, when it carries keyUsage, with digitalSignature and without
     * keyCertSign. {@code keyUsageRequired} is for profiles that mandate the extension (AWS Nitro); AMD's VCEK and VLEK
     * carry none, which RFC 5280 reads as "no restriction".
     */
    public static void requireSigningLeaf(X509Certificate c, String role, boolean keyUsageRequired) throws AttestationException {
        if (isCa(c)) {
            throw new AttestationException(role + " certificate basicConstraints", "cA=TRUE",
                    "an end-entity certificate: a CA key must not sign evidence");
        }
        boolean[] ku = c.getKeyUsage();
        if (ku == null) {
            if (keyUsageRequired) {
                throw new AttestationException(role + " certificate keyUsage", "absent", "present with digitalSignature");
            }
            return;
        }
        if (!bit(ku, DIGITAL_SIGNATURE)) {
            throw new AttestationException(role + " certificate keyUsage", "without digitalSignature",
                    "digitalSignature: the key signs evidence");
        }
        if (bit(ku, KEY_CERT_SIGN)) {
            throw new AttestationException(role + " certificate keyUsage", "keyCertSign on an end-entity certificate",
                    "no keyCertSign (RFC 5280 §4.2.1.3: only CAs may assert it)");
        }
    }

    /**
     * Throws unless every CA's pathLenConstraint allows the CA certificates that follow it; {@code rootFirst} runs
     * from the trust anchor to the leaf, {@code roles} names each. Self-issued intermediates are not counted
     * (RFC 5280 §6.1.4 (l), (m)).
     */
    public static void requirePathLengths(List<X509Certificate> rootFirst, List<String> roles) throws AttestationException {
        int leaf = rootFirst.size() - 1;
        for (int i = 0; i < leaf; i++) {
            int allowed = rootFirst.get(i).getBasicConstraints();
            int below = 0;
            for (int j = i + 1; j < leaf; j++) {
                if (!CertificateSet.selfIssued(rootFirst.get(j))) {
                    below++;
                }
            }
            if (allowed >= 0 && below > allowed) {
                throw new AttestationException(roles.get(i) + " certificate path length constraint", Integer.toString(allowed),
                        "at least " + below + ", the CA certificates that follow it in the chain (RFC 5280 §4.2.1.9)");
            }
        }
    }

    private static void requireKeyUsage(X509Certificate c, String role, int bit, String name) throws AttestationException {
        boolean[] ku = c.getKeyUsage();
        if (ku == null || !bit(ku, bit)) {
            throw new AttestationException(role + " certificate keyUsage", ku == null ? "absent" : "without " + name,
                    "present with " + name + " (RFC 5280 §4.2.1.3)");
        }
    }

    private static boolean bit(boolean[] ku, int i) {
        return ku.length > i && ku[i];
    }
}
