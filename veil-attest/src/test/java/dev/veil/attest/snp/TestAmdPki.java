package dev.veil.attest.snp;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A stand-in for AMD's PKI whose keys the tests hold: an ARK, an ASK and an ASVK shaped like AMD's (RSA, RSASSA-PSS
 * SHA-384, the same basicConstraints and keyUsage), VCEKs with AMD's extensions, ARK-signed CRLs, and SNP reports
 * signed by a VCEK. The verifier under test gets this ARK through its package-private constructor.
 */
final class TestAmdPki {
    private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();
    static final Instant FROM = Instant.parse("2020-01-01T00:00:00Z");
    static final Instant TO = Instant.parse("2040-01-01T00:00:00Z");
    static final Instant AT = Instant.parse("2026-06-01T00:00:00Z");
    static final String PSS = "SHA384withRSAandMGF1";
    static final X500Name ARK_DN = new X500Name("CN=ARK-Milan,O=Test AMD,C=US");
    static final X500Name ASK_DN = new X500Name("CN=SEV-Milan,O=Test AMD,C=US");
    static final X500Name ASVK_DN = new X500Name("CN=SEV-VLEK-Milan,O=Test AMD,C=US");
    static final X500Name VCEK_DN = new X500Name("CN=SEV-VCEK,O=Test AMD,C=US");
    /** Reported TCB bl=3 tee=0 snp=8 ucode=115 in the Milan layout, and the SPLs the VCEK is issued for. */
    static final long TCB = 0x7308000000000003L;
    static final byte[] CHIP = filled(64, 0x5A);
    static final KeyPair ARK_KEY = rsa();
    static final KeyPair ASK_KEY = rsa();
    static final KeyPair ASVK_KEY = rsa();
    static final KeyPair VCEK_KEY = p384();
    static final X509Certificate ARK = ca(ARK_DN, ARK_DN, ARK_KEY.getPublic(), ARK_KEY.getPrivate(), 1, null,
            KeyUsage.keyCertSign | KeyUsage.cRLSign);
    static final X509Certificate ASK = ca(ARK_DN, ASK_DN, ASK_KEY.getPublic(), ARK_KEY.getPrivate(), 2, 0, KeyUsage.keyCertSign);
    static final X509Certificate ASVK = ca(ARK_DN, ASVK_DN, ASVK_KEY.getPublic(), ARK_KEY.getPrivate(), 3, 0, KeyUsage.keyCertSign);

    private TestAmdPki() {
    }

    static SnpEvidenceVerifier verifier() {
        return verifier(ARK, ASK);
    }

    static SnpEvidenceVerifier verifier(X509Certificate ark, X509Certificate ask) {
        return new SnpEvidenceVerifier(List.of(new AmdTrust("Milan", false, ark, ask, ASVK)));
    }

    /** A CA certificate; {@code pathLen} null for none, {@code keyUsage} 0 for no keyUsage extension. */
    static X509Certificate ca(X500Name issuer, X500Name subject, PublicKey key, PrivateKey signer, long serial, Integer pathLen, int keyUsage) {
        try {
            var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(serial), Date.from(FROM), Date.from(TO), subject, key);
            b.addExtension(Extension.basicConstraints, true, pathLen == null ? new BasicConstraints(true) : new BasicConstraints(pathLen));
            if (keyUsage != 0) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            }
            return new JcaX509CertificateConverter().getCertificate(b.build(signer(PSS, signer)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A VCEK as AMD's KDS issues it, with each property open to change for one attack at a time. */
    static final class Vcek {
        X500Name issuer = ASK_DN;
        X500Name subject = VCEK_DN;
        PrivateKey signer = ASK_KEY.getPrivate();
        String algorithm = PSS;
        PublicKey key = VCEK_KEY.getPublic();
        String product = "Milan-B0";
        byte[] hwId = CHIP;
        BigInteger serial = BigInteger.ZERO;   // AMD's VCEKs carry serial 0
        Instant notAfter = TO;
        BasicConstraints basicConstraints;
        KeyUsage keyUsage;
        String omittedExtension;

        X509Certificate build() {
            try {
                var b = new JcaX509v3CertificateBuilder(issuer, serial, Date.from(FROM), Date.from(notAfter), subject, key);
                if (product != null) {
                    b.addExtension(new ASN1ObjectIdentifier(VcekExtensions.PRODUCT_NAME), false, new DERIA5String(product));
                }
                String[] spls = {VcekExtensions.BL_SPL, VcekExtensions.TEE_SPL, VcekExtensions.SNP_SPL, VcekExtensions.UCODE_SPL};
                int[] values = {3, 0, 8, 115};
                for (int i = 0; i < spls.length; i++) {
                    if (!spls[i].equals(omittedExtension)) {
                        b.addExtension(new ASN1ObjectIdentifier(spls[i]), false, new ASN1Integer(values[i]));
                    }
                }
                b.addExtension(new ASN1ObjectIdentifier(VcekExtensions.HW_ID), false, hwId);
                if (basicConstraints != null) {
                    b.addExtension(Extension.basicConstraints, true, basicConstraints);
                }
                if (keyUsage != null) {
                    b.addExtension(Extension.keyUsage, true, keyUsage);
                }
                return new JcaX509CertificateConverter().getCertificate(b.build(signer(algorithm, signer)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        byte[] der() {
            try {
                return build().getEncoded();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** An SNP ATTESTATION_REPORT v3 (Milan CPUID) signed by {@code vcek}, R and S little-endian in 72-byte fields. */
    static byte[] report(PrivateKey vcek, int keyInfo, byte[] chipId, int vmpl) {
        return report(vcek, keyInfo, chipId, vmpl, 0x19);
    }

    static byte[] report(PrivateKey vcek, int keyInfo, byte[] chipId, int vmpl, int cpuidFamily) {
        ByteBuffer r = ByteBuffer.allocate(SnpReport.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt(0x00, 3).putLong(0x08, 0x30000L).putInt(0x30, vmpl).putInt(0x34, 1).putLong(0x38, TCB).putInt(0x48, keyInfo);
        r.put(0x50, filled(64, 0x22)).put(0x90, filled(48, 0x11)).putLong(0x180, TCB);
        r.put(0x188, (byte) cpuidFamily).put(0x189, (byte) 0x01).put(0x18A, (byte) 0x01);
        r.put(0x1A0, chipId).putLong(0x1E0, TCB).putLong(0x1F0, TCB);
        byte[] b = r.array();
        try {
            Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
            s.initSign(vcek);
            s.update(b, 0, SnpReport.SIGNED_LENGTH);
            byte[] rs = s.sign();
            for (int i = 0; i < 48; i++) {
                b[SnpReport.SIGNED_LENGTH + i] = rs[47 - i];
                b[SnpReport.SIGNED_LENGTH + 72 + i] = rs[95 - i];
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return b;
    }

    static byte[] report() {
        return report(VCEK_KEY.getPrivate(), 0, CHIP, 0);
    }

    /** A CRL issued under {@code issuer}'s name and signed by {@code signer}, listing direct and indirect entries. */
    static byte[] crl(X500Name issuer, PrivateKey signer, Instant thisUpdate, Instant nextUpdate, List<BigInteger> direct,
                      List<IndirectEntry> indirect) {
        try {
            var b = new X509v2CRLBuilder(issuer, Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            for (BigInteger serial : direct) {
                b.addCRLEntry(serial, Date.from(thisUpdate), 0);
            }
            for (IndirectEntry e : indirect) {
                b.addCRLEntry(e.serial(), Date.from(thisUpdate), new Extensions(new Extension(Extension.certificateIssuer, true,
                        new GeneralNames(new GeneralName(e.issuer())).getEncoded())));
            }
            X509CRL crl = new JcaX509CRLConverter().getCRL(b.build(signer(PSS, signer)));
            return crl.getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    record IndirectEntry(X500Name issuer, BigInteger serial) {
    }

    static byte[] arkCrl(List<BigInteger> direct, List<IndirectEntry> indirect) {
        return crl(ARK_DN, ARK_KEY.getPrivate(), AT.minusSeconds(86400), AT.plusSeconds(86400 * 7), direct, indirect);
    }

    static org.bouncycastle.operator.ContentSigner signer(String algorithm, PrivateKey key) throws Exception {
        return new JcaContentSignerBuilder(algorithm).setProvider(BC).build(key);
    }

    static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair p384() {
        return ec("secp384r1");
    }

    static KeyPair ec(String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }
}
