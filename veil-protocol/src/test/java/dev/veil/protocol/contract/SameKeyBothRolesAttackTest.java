package dev.veil.protocol.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.TestParties;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ContractVerifier refuses a contract whose two providers share a signing key by comparing the encoded keys byte for
 * byte. The JDK's Ed25519 KeyFactory also accepts other encodings of the same key (here: an AlgorithmIdentifier with
 * explicit NULL parameters, which RFC 8410 §3 forbids), so one key holder appears as two providers with two different
 * fingerprints and signs for both roles.
 */
class SameKeyBothRolesAttackTest {
    @Test
    void sameSigningKeyInBothRolesViaAnotherSpkiEncodingIsRefused() throws Exception {
        Identity holder = TestParties.MP;
        byte[] spki = holder.publicIdentity().signingKey();
        assertThat(spki).hasSize(44);
        byte[] raw = Arrays.copyOfRange(spki, 12, 44);
        byte[] withNullParams = HexFormat.of().parseHex("302c300706032b65700500032100" + HexFormat.of().formatHex(raw));
        PublicIdentity alias = new PublicIdentity("independent-looking model provider", withNullParams, KeyWrapSuite.X25519,
                Identity.generate("other", KeyWrapSuite.X25519).publicIdentity().keyAgreementKey());
        assertThat(alias.fingerprint()).isNotEqualTo(holder.publicIdentity().fingerprint());

        SessionContract c = TestParties.contract(Instant.now().plus(Duration.ofHours(1)), alias, holder.publicIdentity());
        SignedContract both = new SignedContract(c, Map.of(
                Role.MODEL_PROVIDER.id(), holder.sign(c.signingMessage(Role.MODEL_PROVIDER)),
                Role.DATA_PROVIDER.id(), holder.sign(c.signingMessage(Role.DATA_PROVIDER))));
        assertThatThrownBy(() -> ContractVerifier.verify(both, Instant.now()))
                .as("one Ed25519 key signed as both providers")
                .isInstanceOf(ProtocolException.class);
    }
}
