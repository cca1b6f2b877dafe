package dev.veil.protocol.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Identity#sign} signs with BouncyCastle's Ed25519 for speed; Ed25519 is deterministic (RFC 8032), so its
 * signatures must be byte for byte the JDK's on the same key and message, and verify with the JDK.
 */
class IdentitySignsAsTheJdkTest {
    @Test
    void signaturesAreTheJdksOwn() throws Exception {
        try (Identity id = Identity.generate("signer", KeyWrapSuite.X25519)) {
            Random random = new Random(5);
            for (int size : new int[] {0, 1, 32, 1000, 70_000}) {
                byte[] message = new byte[size];
                random.nextBytes(message);
                Signature jdk = Signature.getInstance("Ed25519");
                jdk.initSign(id.signingKeyForStorage());
                jdk.update(message);
                byte[] signature = id.sign(message);
                assertThat(signature).as("size %d", size).isEqualTo(jdk.sign());
                Signature verify = Signature.getInstance("Ed25519");
                verify.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(
                        new X509EncodedKeySpec(id.publicIdentity().signingKey())));
                verify.update(message);
                assertThat(verify.verify(signature)).isTrue();
            }
        }
    }
}
