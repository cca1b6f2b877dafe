package dev.veil.protocol.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.TestParties;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every key of an identity has one accepted encoding, so one key cannot pass as two parties with two fingerprints:
 * other SPKI encodings of an Ed25519 key (long-form lengths, trailing bytes) and an X25519 key with its unused top bit
 * set are refused in contracts and in identity files. Names cannot imitate a fingerprint or carry control text.
 */
class CanonicalIdentityTest {
    @TempDir
    Path dir;

    @Test
    void ed25519KeyWithLongFormLengthsOrTrailingBytesCannotNameAProvider() {
        byte[] raw = raw(TestParties.MP.publicIdentity().signingKey());
        String hex = HexFormat.of().formatHex(raw);
        for (String spki : new String[] {"30812a300506032b6570032100" + hex, "302a300506032b6570032100" + hex + "00"}) {
            PublicIdentity alias = new PublicIdentity("model provider", HexFormat.of().parseHex(spki), KeyWrapSuite.X25519,
                    Identity.generate("other", KeyWrapSuite.X25519).publicIdentity().keyAgreementKey());
            assertThat(alias.keyProblem()).contains("RFC 8410");
            assertThatThrownBy(() -> ContractVerifier.checkTerms(TestParties.contract(later(), alias, TestParties.DP.publicIdentity())))
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("RFC 8410");
        }
    }

    @Test
    void x25519KeyWithTopBitSetIsRefusedAsASecondNameForTheSameKey() {
        PublicIdentity dp = Identity.generate("data provider", KeyWrapSuite.X25519).publicIdentity();
        byte[] alias = dp.keyAgreementKey();
        alias[31] |= (byte) 0x80;
        PublicIdentity mp = new PublicIdentity("model provider", TestParties.MP.publicIdentity().signingKey(), KeyWrapSuite.X25519, alias);
        assertThatThrownBy(() -> ContractVerifier.checkTerms(TestParties.contract(later(), mp, dp)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("not a canonically encoded X25519 public key");
    }

    @Test
    void publicIdentityFileWithAnotherKeyEncodingIsRefused() throws Exception {
        PublicIdentity real = TestParties.MP.publicIdentity();
        Path file = dir.resolve("mp.pub.json");
        IdentityFiles.writePublic(real, file);
        String canonical = java.util.Base64.getEncoder().encodeToString(real.signingKey());
        byte[] withNull = HexFormat.of().parseHex("302c300706032b65700500032100" + HexFormat.of().formatHex(raw(real.signingKey())));
        PublicIdentity alias = new PublicIdentity(real.name(), withNull, real.keyAgreementSuite(), real.keyAgreementKey());
        String edited = Files.readString(file).replace(canonical, java.util.Base64.getEncoder().encodeToString(withNull))
                .replace(real.fingerprint(), alias.fingerprint());
        Files.writeString(file, edited);
        assertThatThrownBy(() -> IdentityFiles.readPublic(file)).isInstanceOf(ProtocolException.class).hasMessageContaining("RFC 8410");
    }

    @Test
    void namesThatImitateAFingerprintOrCarryControlTextAreRefused() {
        PublicIdentity real = TestParties.MP.publicIdentity();
        String fp = TestParties.DP.publicIdentity().fingerprint();
        for (String name : new String[] {"provider " + fp, "provider " + fp.replace("-", ""), "provider " + fp.toUpperCase(),
                "provider \uff41\uff42\uff43\uff44-1234-5678", "a\u200eb", "line\nbreak", "tab\there", " padded", "a\u2028b",
                "x".repeat(101), ""}) {
            assertThatThrownBy(() -> new PublicIdentity(name, real.signingKey(), real.keyAgreementSuite(), real.keyAgreementKey()))
                    .as(name).isInstanceOf(IllegalArgumentException.class);
        }
        for (String name : new String[] {"model-provider", "Hôpital Saint-Éloi (radiology)", "Lab 2024-11", "数据提供方"}) {
            assertThat(new PublicIdentity(name, real.signingKey(), real.keyAgreementSuite(), real.keyAgreementKey()).name()).isEqualTo(name);
        }
    }

    private static byte[] raw(byte[] spki) {
        return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    }

    private static Instant later() {
        return Instant.now().plus(Duration.ofHours(1));
    }
}
