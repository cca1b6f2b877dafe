package dev.veil.cli.platforms;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A CRL signed by a CA made in the test: stands in for AMD's ARK-signed CRL, of which testdata has no copy. */
public final class TestCrl {
    private TestCrl() {
    }

    public static byte[] fromTestCa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair ca = g.generateKeyPair();
        Instant now = Instant.now();
        X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name("CN=Test CA standing in for an AMD ARK"), Date.from(now));
        b.setNextUpdate(Date.from(now.plus(Duration.ofDays(365))));
        b.addCRLEntry(BigInteger.TEN, Date.from(now), 1);
        return new JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate()))).getEncoded();
    }
}
