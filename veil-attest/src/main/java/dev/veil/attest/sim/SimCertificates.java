package dev.veil.attest.sim;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Issues the simulated chip certificate (the sim counterpart of an SNP VCEK). */
public final class SimCertificates {
    private SimCertificates() {
    }

    /** Names built from the JDK's encoding, so both libraries agree on RDN order. */
    private static X500Name x500(String rfc2253) {
        return X500Name.getInstance(new javax.security.auth.x500.X500Principal(rfc2253).getEncoded());
    }

    /**
     * The chip certificate's subject names the whole 32-byte chip id (as the 64 hex digits of its serialNumber
     * attribute, whose upper bound is exactly 64), so a certificate binds one chip id and no other that shares a prefix.
     */
    public static String chipSubject(byte[] chipId) {
        if (chipId.length != 32) {
            throw new IllegalArgumentException("a sim chip id is 32 bytes");
        }
        return "CN=Veil Simulated TEE chip,SERIALNUMBER=" + HexFormat.of().formatHex(chipId) + ",O=Veil";
    }

    /** A chip certificate for {@code chipKey}, signed by {@code issuerKey} (the sim root in normal use). */
    public static X509Certificate issueChip(byte[] chipId, PublicKey chipKey, PrivateKey issuerKey, String issuer,
                                            Instant notBefore, Instant notAfter) throws GeneralSecurityException {
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(x500(issuer),
                new BigInteger(1, java.util.Arrays.copyOf(chipId, 16)), Date.from(notBefore), Date.from(notAfter),
                x500(chipSubject(chipId)), chipKey);
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA384withECDSA").build(issuerKey)));
        } catch (OperatorCreationException | java.security.cert.CertificateException e) {
            throw new GeneralSecurityException("could not issue sim chip certificate", e);
        }
    }
}
