package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review (issue 9, attacker's side) of the serving challenge's lifetime. The enclave nonce carries its issue time on the
 * instance's wall clock, and {@link Challenges#check} compares it with the same wall clock; but in a TEE the wall clock
 * is the host's (SGX, TDX and SNP guests all take time from the host).
 */
class ChallengeClockAttackTest {
    private static final byte[] MP_NONCE = new byte[32];
    private static final byte[] EVIDENCE = new byte[] {1, 2, 3};

    /**
     * Attack: the hostile host withholds a model provider's release past its 5-minute lifetime (the instance refuses it
     * as expired), then steps the instance's clock back and delivers it again. Expected: still refused, because time
     * never runs backwards for a check that already saw it later (a high-water mark of the clock), or because the
     * lifetime is measured on the process's monotonic clock (a token never outlives the process whose MAC key made
     * it). Found: accepted. Why it matters: the lifetime is the only bound on how long a withheld release stays usable;
     * on the host's clock it bounds nothing against the host. Severity low: the release is still the model provider's,
     * for this instance.
     */
    @Test
    void releaseRefusedAsExpiredStaysRefusedWhenTheHostSetsTheClockBack() throws ServingFailure {
        HostClock clock = new HostClock();
        Challenges challenges = new Challenges(ServingInstance.CHALLENGE_LIFETIME, clock);
        byte[] nonce = challenges.issue(MP_NONCE, Platform.SIM, EVIDENCE, List.of());
        clock.advance(ServingInstance.CHALLENGE_LIFETIME.plusMinutes(1));
        assertThatThrownBy(() -> challenges.check(nonce, MP_NONCE, Platform.SIM, EVIDENCE, List.of()))
                .isInstanceOf(ServingFailure.class).hasMessageContaining("attest again");
        clock.advance(Duration.ofMinutes(-5));   // the host steps the guest's clock back
        assertThatThrownBy(() -> challenges.check(nonce, MP_NONCE, Platform.SIM, EVIDENCE, List.of()))
                .as("a release the instance already found expired").isInstanceOf(ServingFailure.class);
    }

    /** The host's clock, as the guest reads it. */
    private static final class HostClock extends Clock {
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
