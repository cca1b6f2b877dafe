package dev.veil.attest.x509;

import java.io.ByteArrayInputStream;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/** CRLs handed in as collateral (PEM or DER), and the issuer-scoped lookup of a certificate in one. */
public final class RevocationLists {
    private RevocationLists() {
    }

    /** Every CRL in the blob; a blob holding none (a certificate, a JSON document) yields an empty list. */
    public static List<X509CRL> parseAll(byte[] blob) {
        String text = new String(blob, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (!text.contains("-----BEGIN X509 CRL-----") && (blob.length == 0 || blob[0] != 0x30)) {
            return List.of();
        }
        try {
            return CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(blob)).stream()
                    .map(c -> (X509CRL) c).toList();
        } catch (CertificateException | CRLException | RuntimeException notCrls) {
            return List.of();
        }
    }

    /**
     * The entry that revokes {@code cert}, if any. A serial number is unique only per issuer, so an entry matches
     * when its serial equals the certificate's AND the certificate was issued by the entry's certificate issuer: the
     * CRL's own issuer, or the certificateIssuer entry extension of an indirect CRL (RFC 5280 §5.3.3). Matching on
     * the serial alone would let an entry for one CA's certificate revoke, or fail to revoke, another CA's.
     */
    public static Optional<X509CRLEntry> revocationOf(X509CRL crl, X509Certificate cert) {
        if (crl.getRevokedCertificates() == null) {
            return Optional.empty();
        }
        for (X509CRLEntry e : crl.getRevokedCertificates()) {
            X500Principal entryIssuer = e.getCertificateIssuer() != null ? e.getCertificateIssuer() : crl.getIssuerX500Principal();
            if (e.getSerialNumber().equals(cert.getSerialNumber()) && entryIssuer.equals(cert.getIssuerX500Principal())) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
