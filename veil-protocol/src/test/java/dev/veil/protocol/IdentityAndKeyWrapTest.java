package dev.veil.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.results.SealedResults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class IdentityAndKeyWrapTest {
    @Test
    void identityFilesRoundTripWithOwnerOnlySecret(@TempDir Path dir) throws Exception {
        Identity id = Identity.generate("alice", KeyWrapSuite.MLKEM768_X25519);
        Path secret = dir.resolve("alice.key");
        Path pub = dir.resolve("alice.pub.json");
        IdentityFiles.writeSecret(id, secret);
        IdentityFiles.writePublic(id.publicIdentity(), pub);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        Identity back = IdentityFiles.readSecret(secret);
        assertThat(back.publicIdentity()).isEqualTo(id.publicIdentity());
        PublicIdentity p = IdentityFiles.readPublic(pub);
        assertThat(p.fingerprint()).isEqualTo(id.publicIdentity().fingerprint()).matches("[0-9a-f]{4}(-[0-9a-f]{4}){4}");
        byte[] msg = "hello".getBytes();
        assertThat(p.verify(msg, back.sign(msg))).isTrue();
        assertThat(p.verify("other".getBytes(), back.sign(msg))).isFalse();
        assertThatThrownBy(() -> IdentityFiles.readPublic(secret)).hasMessageContaining("secret identity file");
        assertThat(id.toString()).doesNotContain(java.util.Base64.getEncoder().encodeToString(id.keyAgreement().privateKeyForStorage()));
    }

    @Test
    void tamperedFingerprintInPublicFileIsRejected(@TempDir Path dir) throws Exception {
        Identity id = Identity.generate("bob", KeyWrapSuite.X25519);
        Path pub = dir.resolve("bob.pub.json");
        IdentityFiles.writePublic(id.publicIdentity(), pub);
        String fp = id.publicIdentity().fingerprint();
        Files.writeString(pub, Files.readString(pub).replace(fp, "0000-0000-0000-0000-0000"));
        assertThatThrownBy(() -> IdentityFiles.readPublic(pub)).hasMessageContaining("states fingerprint");
    }

    @ParameterizedTest
    @EnumSource(KeyWrapSuite.class)
    void hpkeWrapsForTheRecipientOnlyAndOnlyInItsContext(KeyWrapSuite suite) throws Exception {
        try (KemKeyPair recipient = KemKeyPair.generate(suite); KemKeyPair other = KemKeyPair.generate(suite)) {
            byte[] secret = new byte[32];
            Hpke.Sealed s = Hpke.seal(suite, recipient.publicKey(), "info".getBytes(), "aad".getBytes(), secret);
            assertThat(Hpke.open(recipient, "info".getBytes(), "aad".getBytes(), s)).isEqualTo(secret);
            assertThatThrownBy(() -> Hpke.open(other, "info".getBytes(), "aad".getBytes(), s)).hasMessageContaining("does not open");
            assertThatThrownBy(() -> Hpke.open(recipient, "info".getBytes(), "other".getBytes(), s)).hasMessageContaining("does not open");
            assertThatThrownBy(() -> Hpke.open(recipient, "other".getBytes(), "aad".getBytes(), s)).hasMessageContaining("does not open");
            byte[] ct = s.ciphertext().clone();
            ct[0] ^= 1;
            assertThatThrownBy(() -> Hpke.open(recipient, "info".getBytes(), "aad".getBytes(), new Hpke.Sealed(s.enc(), ct)))
                    .hasMessageContaining("does not open");
        }
    }

    @Test
    void resultsOpenOnlyForTheDataProvider() throws Exception {
        byte[] output = "3\n1\n4\n".getBytes();
        byte[] hash = new byte[32];
        SealedResults.Sealed result = SealedResults.seal(output, 3, 63, TestParties.DP.publicIdentity(), hash);
        byte[] sealed = result.bytes();
        assertThat(SealedResults.open(sealed, TestParties.DP).output()).isEqualTo(output);
        assertThat(SealedResults.open(sealed, TestParties.DP).rows()).isEqualTo(3);
        assertThat(SealedResults.open(sealed, TestParties.DP).commitmentSalt()).isEqualTo(result.commitmentSalt());
        assertThatThrownBy(() -> SealedResults.open(sealed, TestParties.MP)).hasMessageContaining("sealed for");
        byte[] t = sealed.clone();
        t[t.length - 1] ^= 1;
        assertThatThrownBy(() -> SealedResults.open(t, TestParties.DP)).hasMessageContaining("tampered");
    }
}
