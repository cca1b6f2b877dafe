package dev.veil.protocol.translog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import org.junit.jupiter.api.Test;

/** The BouncyCastle signer makes the JDK's own Ed25519 signature, so any JDK verifier checks it. */
class TreeHeadSignerTest {
    @Test
    void signatureIsTheJdksSignature() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        TreeHead head = TreeHead.of(TestInstance.contractHash("contract A"), 42, TestInstance.randomDigest(), 1_800_000_000L);
        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initSign(pair.getPrivate());
        jdk.update(head.signingMessage());
        assertThat(TreeHeadSigner.forKey(pair.getPrivate()).sign(head).signature()).isEqualTo(jdk.sign());
    }

    @Test
    void onlyAnEd25519KeySigns() throws Exception {
        KeyPair ec = KeyPairGenerator.getInstance("EC").generateKeyPair();
        assertThatThrownBy(() -> TreeHeadSigner.forKey(ec.getPrivate())).isInstanceOf(IllegalArgumentException.class);
    }
}
