package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import dev.veil.attest.x509.CertificateSet;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The PCK chain a quote carries in its certification data (type 5: PCK certificate, PCK Platform/Processor CA,
 * Intel SGX Root CA), checked to the pinned root: signatures, issuer names equal to their signers' subjects (a CRL
 * entry names the issuer, so a certificate whose issuer name is not its signer's would escape its signer's CRL),
 * validity at the verification time, and each certificate's profile for its role. Only the quote's own chain is used: a PCK taken from elsewhere could belong to
 * any platform.
 */
record PckChain(X509Certificate pck, X509Certificate pckCa) {
    static final String PCK_CN = "Intel SGX PCK Certificate";

    static PckChain of(DcapQuote quote, X509Certificate root, Instant at) throws AttestationException {
        List<X509Certificate> certs = CertificateSet.parseAll(quote.certData());
        X509Certificate pck = certs.stream().filter(c -> PCK_CN.equals(CertificateSet.commonName(c))).findFirst()
                .orElseThrow(() -> new AttestationException("PCK certificate", "absent from the quote's certification data",
                        "the PCK certificate chain in the quote (certification data type 5)"));
        X509Certificate ca = certs.stream()
                .filter(c -> CertificateSet.commonName(c).startsWith("Intel SGX PCK ") && CertificateSet.commonName(c).endsWith(" CA"))
                .filter(c -> CertificateSet.signedBy(pck, c.getPublicKey())).findFirst()
                .orElseThrow(() -> new AttestationException("PCK certificate issuer", pck.getIssuerX500Principal().getName(),
                        "an Intel SGX PCK Platform/Processor CA certificate that signed it"));
        String caRole = CertificateSet.commonName(ca);
        CertificateSet.requireSignedBy(ca, caRole, root, "pinned Intel SGX Root CA");
        IssuerName.require(pck, "PCK", ca);
        IssuerName.require(ca, caRole, root);
        for (X509Certificate c : certs) {
            if (CertificateSet.commonName(c).equals("Intel SGX Root CA") && !Arrays.equals(encoded(c), encoded(root))) {
                throw new AttestationException("PCK chain root", "an 'Intel SGX Root CA' that is not the pinned one",
                        "the production Intel SGX Root CA (sha256 44a0196b…)");
            }
        }
        IntelCertificateProfile.requireCa(ca, caRole);
        IntelCertificateProfile.requireSigningEndEntity(pck, "PCK");
        CertificateSet.requireValidAt(root, "Intel SGX Root CA", at);
        CertificateSet.requireValidAt(ca, caRole, at);
        CertificateSet.requireValidAt(pck, "PCK", at);
        return new PckChain(pck, ca);
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            return new byte[0];
        }
    }
}
