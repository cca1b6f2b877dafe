package dev.veil.protocol.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An identity signs with BouncyCastle's Ed25519 for speed: its signatures must be exactly the JDK's (Ed25519 is
 * deterministic), for a generated identity and for one read back from its file, and verify as before.
 */
class IdentitySignatureTest {
    @TempDir
    Path dir;

    @Test
    void signaturesAreTheJdksEd25519Signatures() throws Exception {
        Identity generated = Identity.generate("mp", KeyWrapSuite.X25519);
        IdentityFiles.writeSecret(generated, dir.resolve("mp.key"));
        Identity read = IdentityFiles.readSecret(dir.resolve("mp.key"));
        for (Identity id : new Identity[] {generated, read}) {
            for (String text : new String[] {"", "a release record's tree head", "x".repeat(10_000)}) {
                byte[] message = text.getBytes(StandardCharsets.UTF_8);
                Signature jdk = Signature.getInstance("Ed25519");
                jdk.initSign(id.signingKeyForStorage());
                jdk.update(message);
                byte[] signed = id.sign(message);
                assertThat(signed).isEqualTo(jdk.sign());
                assertThat(id.publicIdentity().verify(message, signed)).isTrue();
                assertThat(generated.publicIdentity().verify(message, signed)).isTrue();
            }
        }
    }
}
