package dev.veil.attest.x509;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * {@link CertificateSet#requireSignedBy}, which every chain (SNP, Nitro, DCAP's PCK CA under Intel's root) goes
 * through: a valid signature is not enough, the issuer must be a CA allowed to sign certificates at that depth.
 */
class CertificateSetTest {
    private static final KeyPair ISSUER = p256();
    private static final KeyPair SUBJECT = p256();

    @Test
    void caWithKeyCertSignMayIssue() throws Exception {
        X509Certificate ca = cert("CN=ca", "CN=ca", ISSUER.getPublic(), ISSUER.getPrivate(), new BasicConstraints(true), KeyUsage.keyCertSign);
        X509Certificate leaf = cert("CN=ca", "CN=leaf", SUBJECT.getPublic(), ISSUER.getPrivate(), null, KeyUsage.digitalSignature);
        assertThatCode(() -> CertificateSet.requireSignedBy(leaf, "leaf", ca, "ca")).doesNotThrowAnyException();
    }

    @Test
    void leafCannotBeAnIssuerEvenWithAValidSignature() throws Exception {
        X509Certificate leafIssuer = cert("CN=ca", "CN=leaf", ISSUER.getPublic(), ISSUER.getPrivate(), null, KeyUsage.digitalSignature);
        X509Certificate issued = cert("CN=leaf", "CN=victim", SUBJECT.getPublic(), ISSUER.getPrivate(), null, KeyUsage.digitalSignature);
        assertThatThrownBy(() -> CertificateSet.requireSignedBy(issued, "victim", leafIssuer, "leaf"))
                .hasMessageContaining("leaf certificate basicConstraints is not a CA");
    }

    @Test
    void caWithoutKeyCertSignCannotIssue() throws Exception {
        X509Certificate ca = cert("CN=ca", "CN=ca", ISSUER.getPublic(), ISSUER.getPrivate(), new BasicConstraints(true), KeyUsage.cRLSign);
        X509Certificate leaf = cert("CN=ca", "CN=leaf", SUBJECT.getPublic(), ISSUER.getPrivate(), null, KeyUsage.digitalSignature);
        assertThatThrownBy(() -> CertificateSet.requireSignedBy(leaf, "leaf", ca, "ca")).hasMessageContaining("ca certificate keyUsage is without keyCertSign");
        X509Certificate noUsage = cert("CN=ca", "CN=ca", ISSUER.getPublic(), ISSUER.getPrivate(), new BasicConstraints(true), 0);
        assertThatThrownBy(() -> CertificateSet.requireSignedBy(leaf, "leaf", noUsage, "ca")).hasMessageContaining("ca certificate keyUsage is absent");
    }

    @Test
    void caWithPathLengthZeroCannotIssueAnotherCa() throws Exception {
        X509Certificate ca = cert("CN=ca", "CN=ca", ISSUER.getPublic(), ISSUER.getPrivate(), new BasicConstraints(0), KeyUsage.keyCertSign);
        X509Certificate subCa = cert("CN=ca", "CN=sub", SUBJECT.getPublic(), ISSUER.getPrivate(), new BasicConstraints(true), KeyUsage.keyCertSign);
        assertThatThrownBy(() -> CertificateSet.requireSignedBy(subCa, "sub", ca, "ca")).hasMessageContaining("ca certificate path length constraint is 0");
    }

    @Test
    void wrongSignatureIsStillRefusedFirst() throws Exception {
        X509Certificate ca = cert("CN=ca", "CN=ca", ISSUER.getPublic(), ISSUER.getPrivate(), new BasicConstraints(true), KeyUsage.keyCertSign);
        X509Certificate other = cert("CN=ca", "CN=leaf", SUBJECT.getPublic(), SUBJECT.getPrivate(), null, KeyUsage.digitalSignature);
        assertThatThrownBy(() -> CertificateSet.requireSignedBy(other, "leaf", ca, "ca")).hasMessageContaining("leaf certificate signature is invalid");
    }

    @Test
    void pathLengthsCountEveryCaBelowButNotSelfIssuedOnes() throws Exception {
        X509Certificate root = cert("CN=root", "CN=root", ISSUER.getPublic(), ISSUER.getPrivate(), new BasicConstraints(1), KeyUsage.keyCertSign);
        X509Certificate a = cert("CN=root", "CN=a", SUBJECT.getPublic(), ISSUER.getPrivate(), new BasicConstraints(true), KeyUsage.keyCertSign);
        X509Certificate aRollover = cert("CN=a", "CN=a", SUBJECT.getPublic(), SUBJECT.getPrivate(), new BasicConstraints(true), KeyUsage.keyCertSign);
        X509Certificate b = cert("CN=a", "CN=b", SUBJECT.getPublic(), SUBJECT.getPrivate(), new BasicConstraints(true), KeyUsage.keyCertSign);
        X509Certificate leaf = cert("CN=b", "CN=leaf", SUBJECT.getPublic(), SUBJECT.getPrivate(), null, KeyUsage.digitalSignature);
        List<String> roles = List.of("root", "a", "a'", "b", "leaf");
        assertThatThrownBy(() -> CertificateProfile.requirePathLengths(List.of(root, a, aRollover, b, leaf), roles))
                .hasMessageContaining("root certificate path length constraint is 1, expected at least 2");
        assertThatCode(() -> CertificateProfile.requirePathLengths(List.of(root, a, aRollover, leaf), List.of("root", "a", "a'", "leaf")))
                .doesNotThrowAnyException();
    }

    static X509Certificate cert(String issuer, String subject, PublicKey key, PrivateKey signer, BasicConstraints bc, int keyUsage) throws Exception {
        var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(subject.hashCode() & 0x7fffffff),
                Date.from(Instant.parse("2020-01-01T00:00:00Z")), Date.from(Instant.parse("2040-01-01T00:00:00Z")), new X500Name(subject), key);
        if (bc != null) {
            b.addExtension(Extension.basicConstraints, true, bc);
        }
        if (keyUsage != 0) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
        }
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    static KeyPair p256() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
