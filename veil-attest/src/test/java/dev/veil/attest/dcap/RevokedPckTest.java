package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * A complete SGX quote under a test CA whose keys we hold, so the CRL path can be proven: the same quote verifies,
 * then is refused once the PCK CA's CRL lists the PCK certificate, or once the root's CRL lists the PCK CA.
 */
class RevokedPckTest {
    static final Instant AT = Instant.parse("2026-06-01T00:00:00Z");
    static final Date FROM = Date.from(Instant.parse("2026-01-01T00:00:00Z"));
    static final Date TO = Date.from(Instant.parse("2027-01-01T00:00:00Z"));

    @Test
    void revokedPckAndRevokedPckCaAreRefused() throws Exception {
        KeyPair root = p256();
        KeyPair ca = p256();
        KeyPair pck = p256();
        KeyPair attestation = p256();
        X509Certificate rootCert = cert("CN=Intel SGX Root CA", "CN=Intel SGX Root CA", root.getPublic(), root.getPrivate(), 1, false);
        X509Certificate caCert = cert("CN=Intel SGX Root CA", "CN=Intel SGX PCK Platform CA", ca.getPublic(), root.getPrivate(), 2, false);
        X509Certificate pckCert = cert("CN=Intel SGX PCK Platform CA", "CN=Intel SGX PCK Certificate", pck.getPublic(), ca.getPrivate(), 3, true);
        byte[] quote = sgxQuote(attestation, pck.getPrivate(), List.of(pckCert, caCert, rootCert));
        DcapEvidenceVerifier verifier = new DcapEvidenceVerifier(Platform.SGX, rootCert);

        Claims ok = verifier.verify(quote, new VerificationOptions(AT, List.of(crl("CN=Intel SGX PCK Platform CA", ca, null))));
        assertThat(ok.byName()).containsEntry("fmspc", "00a067110000").containsEntry("pck_crl", "not revoked (Intel SGX PCK Platform CA CRL)");

        byte[] pckCrl = crl("CN=Intel SGX PCK Platform CA", ca, pckCert.getSerialNumber());
        assertThatThrownBy(() -> verifier.verify(quote, new VerificationOptions(AT, List.of(pckCrl))))
                .hasMessageContaining("Intel SGX PCK Certificate certificate is revoked");
        byte[] rootCrl = crl("CN=Intel SGX Root CA", root, caCert.getSerialNumber());
        assertThatThrownBy(() -> verifier.verify(quote, new VerificationOptions(AT, List.of(rootCrl))))
                .hasMessageContaining("Intel SGX PCK Platform CA certificate is revoked");
        byte[] forgedCrl = crl("CN=Intel SGX PCK Platform CA", p256(), null);
        assertThatThrownBy(() -> verifier.verify(quote, new VerificationOptions(AT, List.of(forgedCrl))))
                .hasMessageContaining("CRL signature is invalid");
        // a QE report that does not bind the attestation key is refused even though the PCK signed it
        byte[] unbound = sgxQuote(attestation, pck.getPrivate(), List.of(pckCert, caCert, rootCert), true);
        assertThatThrownBy(() -> verifier.verify(unbound, VerificationOptions.at(AT))).hasMessageContaining("QE report data is");
        // and the production verifier refuses this chain outright: its root is not Intel's
        assertThatThrownBy(() -> new DcapEvidenceVerifier(Platform.SGX).verify(quote, VerificationOptions.at(AT)))
                .hasMessageContaining("pinned Intel SGX Root CA");
    }

    static byte[] sgxQuote(KeyPair attestation, PrivateKey pckKey, List<X509Certificate> chain) throws Exception {
        return sgxQuote(attestation, pckKey, chain, false);
    }

    static byte[] sgxQuote(KeyPair attestation, PrivateKey pckKey, List<X509Certificate> chain, boolean breakBinding) throws Exception {
        TestQuote q = new TestQuote(attestation, pckKey, chain);
        q.breakBinding = breakBinding;
        return q.build();
    }

    /** A certificate with the profile Intel gives its role: CAs (subject CN ending in "CA") sign certificates and CRLs. */
    static X509Certificate cert(String issuer, String subject, PublicKey key, PrivateKey signer, long serial, boolean pck) throws Exception {
        boolean ca = subject.endsWith(" CA");
        return cert(issuer, subject, key, signer, serial, pck, ca, ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                : KeyUsage.digitalSignature | KeyUsage.nonRepudiation);
    }

    /** A certificate with the given basicConstraints CA flag and keyUsage bits (BouncyCastle KeyUsage constants). */
    static X509Certificate cert(String issuer, String subject, PublicKey key, PrivateKey signer, long serial, boolean pck, boolean ca,
                                int keyUsage) throws Exception {
        var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(serial), FROM, TO, new X500Name(subject), key);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
        if (pck) {
            b.addExtension(new ASN1ObjectIdentifier(PckExtensions.SGX_EXTENSION), false, sgxExtension());
        }
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    static DERSequence sgxExtension() {
        String base = PckExtensions.SGX_EXTENSION;
        ASN1EncodableVector tcb = new ASN1EncodableVector();
        for (int i = 1; i <= 16; i++) {
            tcb.add(new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {new ASN1ObjectIdentifier(base + ".2." + i), new ASN1Integer(5)}));
        }
        tcb.add(new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {new ASN1ObjectIdentifier(base + ".2.17"), new ASN1Integer(13)}));
        tcb.add(new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {new ASN1ObjectIdentifier(base + ".2.18"), new DEROctetString(new byte[16])}));
        ASN1EncodableVector all = new ASN1EncodableVector();
        all.add(new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {new ASN1ObjectIdentifier(base + ".1"), new DEROctetString(new byte[16])}));
        all.add(new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {new ASN1ObjectIdentifier(base + ".2"), new DERSequence(tcb)}));
        all.add(new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {new ASN1ObjectIdentifier(base + ".3"), new DEROctetString(new byte[2])}));
        all.add(new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {new ASN1ObjectIdentifier(base + ".4"),
                new DEROctetString(new byte[] {0x00, (byte) 0xa0, 0x67, 0x11, 0, 0})}));
        return new DERSequence(all);
    }

    /** A CRL with the extensions Intel's carry (CRL number, authority key identifier), valid FROM .. TO. */
    static byte[] crl(String issuer, KeyPair signer, BigInteger revoked) throws Exception {
        X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name(issuer), FROM);
        b.setNextUpdate(TO);
        b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.ONE));
        b.addExtension(Extension.authorityKeyIdentifier, false, new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(signer.getPublic()));
        if (revoked != null) {
            b.addCRLEntry(revoked, FROM, CRLReason.keyCompromise);
        }
        return new JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()))).getEncoded();
    }

    static KeyPair p256() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static byte[] sign(PrivateKey k, byte[] data) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(k);
        s.update(data);
        return s.sign();
    }

    static byte[] rawXy(ECPublicKey k) {
        byte[] out = new byte[64];
        byte[] x = k.getW().getAffineX().toByteArray();
        byte[] y = k.getW().getAffineY().toByteArray();
        System.arraycopy(x, Math.max(0, x.length - 32), out, 32 - Math.min(32, x.length), Math.min(32, x.length));
        System.arraycopy(y, Math.max(0, y.length - 32), out, 64 - Math.min(32, y.length), Math.min(32, y.length));
        return out;
    }
}
