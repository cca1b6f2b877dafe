package dev.veil.protocol.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.serving.ReplayGuard.Verdict;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Review (network attacker / hostile host): in a TEE the wall clock the serving instance reads ({@code Instant.now()}
 * in ServingInstance.infer) is the host's. The challenges were moved onto a clock the host cannot set back
 * (ProcessClock, "never earlier than a time already read"), but the replay guard forgets ids by whatever {@code now}
 * it is given. A host that steps the clock forward past the window (one request of its own, or any data provider's,
 * makes the guard forget everything), then back, gets a captured request admitted, run and charged a second time.
 * Expected fix: the guard's {@code now} never goes back (the latest time it has seen, as in Challenges), and/or the
 * instance passes its ProcessClock's time.
 */
class ReplayGuardHostClockAttackTest {
    private static final Instant T = Instant.parse("2026-12-01T12:00:00Z");
    private static final String DP = "aaaa-bbbb-cccc-dddd-eeee";
    private static final String HOST = "ffff-bbbb-cccc-dddd-eeee";

    @Test
    void aRequestReplayedAfterTheHostStepsTheClockForwardAndBackIsRefused() {
        ReplayGuard g = new ReplayGuard(Duration.ofMinutes(5), 10);
        assertThat(g.admit(DP, "captured", T, T)).isEqualTo(Verdict.ADMITTED);

        // the host steps its clock 11 minutes ahead and sends a request of its own: the guard forgets the captured id
        Instant ahead = T.plus(Duration.ofMinutes(11));
        assertThat(g.admit(HOST, "h1", ahead, ahead)).isEqualTo(Verdict.ADMITTED);

        // then steps the clock back and replays the data provider's captured request
        assertThat(g.admit(DP, "captured", T, T))
                .as("a request answered once must not be admitted again after the host moved its clock forward and back")
                .isNotEqualTo(Verdict.ADMITTED);
    }
}
