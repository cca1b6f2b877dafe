package dev.veil.protocol.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.TestParties;
import dev.veil.protocol.identity.PublicIdentity;
import org.junit.jupiter.api.Test;

/**
 * `veil contract show` prints each provider as "name (fingerprint)", and the fingerprint is what people compare out
 * of band. The name is free text of the identity's owner: it can carry a fingerprint of its own (the victim's) and
 * a right-to-left override that flips how the real fingerprint after it is drawn, so the line shows the expected
 * fingerprint first and the real one garbled.
 */
class IdentityNameSpoofAttackTest {
    @Test
    void identityNameCarryingAFingerprintAndBidiOverrideIsRefused() {
        PublicIdentity victim = TestParties.DP.publicIdentity();
        PublicIdentity real = TestParties.MP.publicIdentity();
        String spoofed = "data-provider (" + victim.fingerprint() + ")\u202E";
        assertThat(spoofed.length()).isLessThanOrEqualTo(100);
        assertThatThrownBy(() -> new PublicIdentity(spoofed, real.signingKey(), real.keyAgreementSuite(), real.keyAgreementKey()))
                .as("a provider name that displays another identity's fingerprint")
                .isInstanceOf(IllegalArgumentException.class);
    }
}
