package dev.veil.attest.x509;

import dev.veil.attest.AttestationException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Certificates handed in as collateral, recognised by content (PEM or DER, one or many per blob), plus the checks a
 * chain needs — each naming the certificate's role in the chain when it fails.
 */
public final class CertificateSet {
    private final List<X509Certificate> certificates;

    private CertificateSet(List<X509Certificate> certificates) {
        this.certificates = List.copyOf(certificates);
    }

    /** Every certificate found in the blobs; blobs that hold none are ignored (they may be other collateral). */
    public static CertificateSet from(List<byte[]> blobs) {
        List<X509Certificate> out = new ArrayList<>();
        for (byte[] b : blobs) {
            out.addAll(parseAll(b));
        }
        return new CertificateSet(out);
    }

    public static List<X509Certificate> parseAll(byte[] blob) {
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            String text = new String(blob, StandardCharsets.ISO_8859_1);
            if (text.contains("-----BEGIN CERTIFICATE-----")) {
                return f.generateCertificates(new ByteArrayInputStream(blob)).stream().map(c -> (X509Certificate) c).toList();
            }
            if (blob.length > 0 && blob[0] == 0x30) {
                // one DER certificate, or several concatenated (as some quotes carry their PCK chain)
                return f.generateCertificates(new ByteArrayInputStream(blob)).stream().map(c -> (X509Certificate) c).toList();
            }
        } catch (CertificateException | RuntimeException ignored) {
            // not certificates
        }
        return List.of();
    }

    public List<X509Certificate> all() {
        return certificates;
    }

    /** Certificates whose subject common name is {@code cn}. */
    public List<X509Certificate> withCommonName(String cn) {
        return certificates.stream().filter(c -> cn.equals(commonName(c))).toList();
    }

    public static String commonName(X509Certificate c) {
        try {
            for (Rdn r : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
                if (r.getType().equalsIgnoreCase("CN")) {
                    return r.getValue().toString();
                }
            }
        } catch (javax.naming.InvalidNameException ignored) {
            // fall through
        }
        return "";
    }

    /** Throws unless {@code cert} is valid at {@code at}, naming the role. */
    public static void requireValidAt(X509Certificate cert, String role, Instant at) throws AttestationException {
        try {
            cert.checkValidity(Date.from(at));
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw new AttestationException(role + " certificate validity at " + at,
                    cert.getNotBefore().toInstant() + " .. " + cert.getNotAfter().toInstant(),
                    "a window containing the verification time (use --at for old samples)");
        }
    }

    /** True when {@code cert} is signed by {@code issuerKey}. */
    public static boolean signedBy(X509Certificate cert, PublicKey issuerKey) {
        return Signatures.certificate(cert, issuerKey);
    }

    /**
     * Throws unless {@code cert} is signed by {@code issuer} and {@code issuer} may sign certificates: a CA
     * (basicConstraints cA=TRUE) with keyCertSign in its keyUsage, whose path length constraint still allows
     * {@code cert} below it (RFC 5280 §4.2.1.3, §4.2.1.9, §6.1.4 (k)–(n)). A leaf presented as an issuer is refused
     * here, whatever its signature says.
     */
    public static void requireSignedBy(X509Certificate cert, String role, X509Certificate issuer, String issuerRole)
            throws AttestationException {
        if (!signedBy(cert, issuer.getPublicKey())) {
            throw new AttestationException(role + " certificate signature", "invalid: does not verify with the " + issuerRole + " key",
                    "a signature by " + issuer.getSubjectX500Principal().getName());
        }
        CertificateProfile.requireCa(issuer, issuerRole);
        if (CertificateProfile.isCa(cert) && !selfIssued(cert) && issuer.getBasicConstraints() < 1) {
            throw new AttestationException(issuerRole + " certificate path length constraint", "0",
                    "at least 1, since it issued the CA certificate " + role + " (RFC 5280 §4.2.1.9)");
        }
    }

    /** True when subject and issuer names are equal (RFC 5280 §6.1: self-issued, not counted in path lengths). */
    public static boolean selfIssued(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }

    /** Reads the PEM resource next to this class, under roots/. */
    public static List<X509Certificate> resource(String name) {
        try (var in = CertificateSet.class.getResourceAsStream("/dev/veil/attest/roots/" + name)) {
            if (in == null) {
                throw new IllegalStateException("pinned root " + name + " is missing from the build");
            }
            return parseAll(in.readAllBytes());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
