package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import java.security.cert.X509Certificate;

/**
 * The certificate profile of Intel's SGX PKI (Intel SGX PCK Certificate and CRL Profile Specification): the PCK
 * Platform/Processor CA is a CA allowed to sign certificates and CRLs; the PCK certificate and the TCB Signing
 * certificate are end entities (basicConstraints CA:FALSE) whose key usage includes digitalSignature and excludes
 * keyCertSign. A certificate that chains to Intel's root but plays a role its profile forbids is refused.
 */
final class IntelCertificateProfile {
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_CERT_SIGN = 5;
    private static final int CRL_SIGN = 6;

    private IntelCertificateProfile() {
    }

    /** A CA that signs certificates and CRLs (the PCK CA signs PCK certificates and the PCK CRL). */
    static void requireCa(X509Certificate cert, String role) throws AttestationException {
        if (cert.getBasicConstraints() < 0) {
            throw new AttestationException(role + " certificate basicConstraints", "not a CA", "CA:TRUE (it issues certificates)");
        }
        boolean[] ku = cert.getKeyUsage();
        if (ku == null || !ku[KEY_CERT_SIGN] || !ku[CRL_SIGN]) {
            throw new AttestationException(role + " certificate keyUsage", usage(ku), "keyCertSign and cRLSign");
        }
    }

    /** An end entity that signs data (the PCK signs QE reports, the TCB signing key signs TCB Info and QE Identity). */
    static void requireSigningEndEntity(X509Certificate cert, String role) throws AttestationException {
        if (cert.getBasicConstraints() >= 0) {
            throw new AttestationException(role + " certificate basicConstraints", "CA:TRUE", "CA:FALSE (an end entity)");
        }
        boolean[] ku = cert.getKeyUsage();
        if (ku == null || !ku[DIGITAL_SIGNATURE] || ku[KEY_CERT_SIGN] || (ku.length > CRL_SIGN && ku[CRL_SIGN])) {
            throw new AttestationException(role + " certificate keyUsage", usage(ku), "digitalSignature, without keyCertSign or cRLSign");
        }
    }

    private static String usage(boolean[] ku) {
        if (ku == null) {
            return "absent";
        }
        String[] names = {"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
            "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"};
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < ku.length && i < names.length; i++) {
            if (ku[i]) {
                b.append(b.length() == 0 ? "" : ", ").append(names[i]);
            }
        }
        return b.length() == 0 ? "empty" : b.toString();
    }
}
