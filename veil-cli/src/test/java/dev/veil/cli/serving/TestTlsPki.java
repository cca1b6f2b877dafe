package dev.veil.cli.serving;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A test CA generated in the test (EC P-256), and server certificates it issues, written as the PEM files an operator has. */
final class TestTlsPki {
    private final KeyPair caKey = p256();
    final X509Certificate ca;

    TestTlsPki(String name) {
        ca = cert("CN=" + name, "CN=" + name, caKey.getPublic(), caKey.getPrivate(), true, null);
    }

    /** Writes the CA certificate as PEM. */
    Path writeCa(Path file) throws IOException {
        return Files.writeString(file, pem("CERTIFICATE", encoded(ca)));
    }

    /** A server certificate for {@code host} (an IP address or a DNS name): chain and 0600 PKCS#8 key, as PEM files. */
    void writeServer(String host, Path certFile, Path keyFile) throws IOException {
        KeyPair k = p256();
        X509Certificate leaf = cert(ca.getSubjectX500Principal().getName(), "CN=" + host, k.getPublic(), caKey.getPrivate(), false,
                new GeneralNames(new GeneralName(host.matches("[0-9.]+") ? GeneralName.iPAddress : GeneralName.dNSName, host)));
        Files.writeString(certFile, pem("CERTIFICATE", encoded(leaf)) + pem("CERTIFICATE", encoded(ca)));
        Files.deleteIfExists(keyFile);
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, pem("PRIVATE KEY", k.getPrivate().getEncoded()));
    }

    private static X509Certificate cert(String issuer, String subject, java.security.PublicKey key, PrivateKey signer, boolean isCa,
                                        GeneralNames names) {
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), new X500Name(subject), key);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(isCa ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
            if (names != null) {
                b.addExtension(Extension.subjectAlternativeName, false, names);
            }
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair p256() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + new String(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encode(der), StandardCharsets.US_ASCII) + "\n-----END " + type + "-----\n";
    }
}
