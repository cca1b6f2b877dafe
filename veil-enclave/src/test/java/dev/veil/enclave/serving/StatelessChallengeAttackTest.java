package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.protocol.servinghttp.ProvisionRelease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The enclave nonce of a serving attestation is a MAC over what the attestation handed out ({@link Challenges}); the
 * instance keeps nothing per attestation. Before, it kept each challenge in a bounded table until a release used it,
 * and a stranger attesting about 17 times a second kept the table full, so the model provider's own attestation was
 * refused for as long as the flood lasted.
 */
class StatelessChallengeAttackTest {
    private static final Duration LIFETIME = ServingInstance.CHALLENGE_LIFETIME;
    private static final byte[] MP_NONCE = filled(32, 7);
    private static final byte[] EVIDENCE = filled(600, 1);
    private static final List<byte[]> COLLATERAL = List.of(filled(40, 2), filled(3, 3));

    @Test
    void strangersAttestationsCannotCrowdOutTheModelProvidersChallenge() throws ServingFailure {
        TestClock clock = new TestClock();
        Challenges challenges = new Challenges(LIFETIME, clock);
        byte[] mp = challenges.issue(MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL);
        for (int i = 0; i < 100_000; i++) {   // a stranger's loop, far past the 1,024 the table held
            challenges.issue(filled(32, i), Platform.SIM, filled(8, i), List.of());
        }
        clock.advance(Duration.ofSeconds(59));
        Challenges.Issued issued = challenges.check(mp, MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL);
        challenges.take(issued);
        assertThat(issued.evidence()).as("what the discard receipt names").isEqualTo(EVIDENCE);
        assertThat(issued.collateral()).hasSize(2);
    }

    @Test
    void forgedEnclaveNonceIsRefused() {
        Challenges challenges = new Challenges(LIFETIME, new TestClock());
        byte[] forged = filled(ProvisionRelease.ENCLAVE_NONCE_LENGTH, 9);
        assertRefusedAsUnknown(() -> challenges.check(forged, MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL));
        assertRefusedAsUnknown(() -> challenges.check(new byte[32], MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL));
    }

    /** Every bit: the serial, the issue time (a release made to look younger) and the tag. */
    @Test
    void alteredEnclaveNonceIsRefusedWhereverABitFlips() {
        Challenges challenges = new Challenges(LIFETIME, new TestClock());
        byte[] genuine = challenges.issue(MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL);
        for (int bit = 0; bit < genuine.length * 8; bit++) {
            byte[] altered = genuine.clone();
            altered[bit / 8] ^= (byte) (1 << (bit % 8));
            assertRefusedAsUnknown(() -> challenges.check(altered, MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL));
        }
    }

    /** The release must carry back exactly what was handed out with the nonce: the discard receipt names it. */
    @Test
    void releaseCarryingOtherEvidenceCollateralOrProviderNonceIsRefused() {
        Challenges challenges = new Challenges(LIFETIME, new TestClock());
        byte[] nonce = challenges.issue(MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL);
        assertRefusedAsUnknown(() -> challenges.check(nonce, filled(32, 8), Platform.SIM, EVIDENCE, COLLATERAL));
        assertRefusedAsUnknown(() -> challenges.check(nonce, MP_NONCE, Platform.SIM, filled(600, 4), COLLATERAL));
        assertRefusedAsUnknown(() -> challenges.check(nonce, MP_NONCE, Platform.SIM, EVIDENCE, List.of()));
        assertRefusedAsUnknown(() -> challenges.check(nonce, MP_NONCE, Platform.SIM, EVIDENCE,
                List.of(filled(40, 2), filled(2, 3), filled(1, 3))));   // the same bytes, cut elsewhere
        assertRefusedAsUnknown(() -> challenges.check(nonce, MP_NONCE, Platform.SEV_SNP, EVIDENCE, COLLATERAL));
    }

    @Test
    void expiredEnclaveNonceIsRefused() throws ServingFailure {
        TestClock clock = new TestClock();
        Challenges challenges = new Challenges(LIFETIME, clock);
        byte[] nonce = challenges.issue(MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL);
        clock.advance(LIFETIME);
        challenges.check(nonce, MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL);   // at the end of its lifetime: still good
        clock.advance(Duration.ofMillis(1));
        assertThatThrownBy(() -> challenges.check(nonce, MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL))
                .isInstanceOfSatisfying(ServingFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(403);
                    assertThat(f.getMessage()).contains("more than 5 minutes ago");
                });
    }

    /** A restarted instance drew a new MAC key: nothing the old one issued passes. */
    @Test
    void enclaveNonceOfAnotherInstanceIsRefused() {
        TestClock clock = new TestClock();
        byte[] nonce = new Challenges(LIFETIME, clock).issue(MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL);
        Challenges restarted = new Challenges(LIFETIME, clock);
        assertRefusedAsUnknown(() -> restarted.check(nonce, MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL));
    }

    /** A release is taken once; after one is taken, no release of an earlier attestation is either. */
    @Test
    void takenChallengeIsNotTakenAgainNorAnEarlierOne() throws ServingFailure {
        Challenges challenges = new Challenges(LIFETIME, new TestClock());
        byte[] first = challenges.issue(MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL);
        byte[] second = challenges.issue(MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL);
        Challenges.Issued taken = challenges.check(second, MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL);
        challenges.take(taken);
        assertThatThrownBy(() -> challenges.take(taken)).isInstanceOf(ServingFailure.class).hasMessageContaining("used already");
        Challenges.Issued earlier = challenges.check(first, MP_NONCE, Platform.SIM, EVIDENCE, COLLATERAL);
        assertThatThrownBy(() -> challenges.take(earlier)).isInstanceOf(ServingFailure.class).hasMessageContaining("used already");
    }

    private static void assertRefusedAsUnknown(org.assertj.core.api.ThrowableAssert.ThrowingCallable check) {
        assertThatThrownBy(check).isInstanceOfSatisfying(ServingFailure.class, f -> {
            assertThat(f.status()).isEqualTo(403);
            assertThat(f.reason()).isEqualTo("contract_refused");
            assertThat(f.getMessage()).contains("answers no attestation this instance gave");
        });
    }

    private static byte[] filled(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        private Instant now = Instant.parse("2026-12-01T12:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
