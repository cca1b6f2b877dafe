package dev.veil.attest.x509;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.Test;

/**
 * EC keys are converted to BouncyCastle's form once and remembered by their encoding ({@link Signatures#inBouncyCastle}).
 * A remembered conversion must answer only for its own key: a signature by one key never verifies under another whose
 * conversion is remembered, and the verdicts equal the JDK's own.
 */
class SignaturesKeyConversionTest {
    private static final byte[] DATA = "the bytes a report signs".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @Test
    void aRememberedKeyVerifiesOnlyItsOwnSignatures() throws Exception {
        KeyPair a = p384();
        KeyPair b = p384();
        byte[] byA = sign(a, DATA);
        byte[] byB = sign(b, DATA);
        for (int round = 0; round < 2; round++) {   // the second round finds both conversions remembered
            assertThat(Signatures.ecdsaP1363("SHA384", a.getPublic(), DATA, byA)).isTrue();
            assertThat(Signatures.ecdsaP1363("SHA384", b.getPublic(), DATA, byB)).isTrue();
            assertThat(Signatures.ecdsaP1363("SHA384", a.getPublic(), DATA, byB)).isFalse();
            assertThat(Signatures.ecdsaP1363("SHA384", b.getPublic(), DATA, byA)).isFalse();
        }
    }

    @Test
    void verdictsEqualTheJdksOnAlteredSignaturesAndData() throws Exception {
        KeyPair a = p384();
        byte[] sig = sign(a, DATA);
        for (int i = 0; i < sig.length; i += 7) {
            byte[] t = sig.clone();
            t[i] ^= 0x01;
            assertThat(Signatures.ecdsaP1363("SHA384", a.getPublic(), DATA, t)).as("flip at %d", i).isEqualTo(jdk(a.getPublic(), DATA, t));
        }
        byte[] other = DATA.clone();
        other[0] ^= 1;
        assertThat(Signatures.ecdsaP1363("SHA384", a.getPublic(), other, sig)).isFalse();
        assertThat(Signatures.inBouncyCastle(a.getPublic()).getEncoded()).isEqualTo(a.getPublic().getEncoded());
    }

    private static boolean jdk(PublicKey key, byte[] data, byte[] sig) throws Exception {
        Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
        s.initVerify(key);
        s.update(data);
        try {
            return s.verify(sig);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }

    private static byte[] sign(KeyPair k, byte[] data) throws Exception {
        Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
        s.initSign(k.getPrivate());
        s.update(data);
        return s.sign();
    }

    private static KeyPair p384() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        return g.generateKeyPair();
    }
}
