package dev.veil.attest.dcap;

import java.math.BigInteger;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * CRLs shaped like Intel's (CRL number and authority key identifier, the extensions Intel's QVL requires), for the
 * review's attack tests: each attack CRL differs from a well-formed one only in what the attack needs, so a test
 * cannot pass merely because a stricter verifier refuses a CRL that lacks Intel's extensions.
 */
final class IntelStyleCrl {
    private IntelStyleCrl() {
    }

    /** A builder for a CRL by {@code issuer} (key pair {@code signer}) issued at {@code thisUpdate}, listing {@code revoked}. */
    static X509v2CRLBuilder builder(String issuer, KeyPair signer, Instant thisUpdate, BigInteger... revoked) throws Exception {
        X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name(issuer), Date.from(thisUpdate));
        b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.ONE));
        b.addExtension(Extension.authorityKeyIdentifier, false, new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(signer.getPublic()));
        for (BigInteger r : revoked) {
            b.addCRLEntry(r, Date.from(thisUpdate), CRLReason.keyCompromise);
        }
        return b;
    }

    static byte[] sign(X509v2CRLBuilder b, KeyPair signer) throws Exception {
        return new JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())))
                .getEncoded();
    }

    /** A CRL by {@code issuer} valid over TestPki's window (2026-05-01 .. 2026-07-01), listing {@code revoked}. */
    static byte[] of(String issuer, KeyPair signer, BigInteger... revoked) throws Exception {
        X509v2CRLBuilder b = builder(issuer, signer, Instant.parse("2026-05-01T00:00:00Z"), revoked);
        b.setNextUpdate(Date.from(Instant.parse("2026-07-01T00:00:00Z")));
        return sign(b, signer);
    }
}
