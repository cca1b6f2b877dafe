package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.serving.ServingBudget;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * In a TEE the wall clock is the host's, and a hostile host steps it at will. The serving instance decides by a clock
 * that runs on the process's monotonic counter from its start ({@link ProcessClock}), read as one that never goes back
 * ({@link NeverBackClock}): a step of the host's clock after start moves neither the budget's day nor the expiry, and
 * a step back of any clock it is given turns nothing back.
 */
class HostClockStepsAttackTest {
    private static final Instant T = Instant.parse("2026-12-01T23:00:00Z");

    /** The host's wall clock, which the test steps. */
    static final class HostClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(T);

        void step(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Test
    void aHostSteppingItsWallClockAfterStartMovesNotTheServingClock() {
        HostClock host = new HostClock();
        AtomicLong nanos = new AtomicLong(42);
        ProcessClock serving = new ProcessClock(host, nanos::get);
        host.step(Duration.ofDays(1));
        assertThat(serving.instant()).isEqualTo(T);
        host.step(Duration.ofDays(-3));
        assertThat(serving.instant()).isEqualTo(T);
        nanos.addAndGet(Duration.ofSeconds(5).toNanos());   // only the process's own time moves it
        assertThat(serving.instant()).isEqualTo(T.plusSeconds(5));
    }

    @Test
    void aDailyBudgetSpentDoesNotRenewWhenTheHostStepsItsClockADayAhead() throws Exception {
        HostClock host = new HostClock();
        Clock serving = NeverBackClock.of(new ProcessClock(host, new AtomicLong()::get));
        Budgets budgets = new Budgets(new ServingBudget(10L, 100L), 1, 10);
        budgets.reserve("dp", 10, serving.instant());
        host.step(Duration.ofDays(1));
        assertThatThrownBy(() -> budgets.reserve("dp", 1, serving.instant())).isInstanceOf(Budgets.Exhausted.class)
                .hasMessageContaining("daily budget");
    }

    @Test
    void aClockSteppedBackReadsNoEarlierThanItDid() {
        HostClock host = new HostClock();
        Clock serving = NeverBackClock.of(host);
        host.step(Duration.ofHours(2));   // past a contract's expiry, say
        Instant seen = serving.instant();
        host.step(Duration.ofHours(-2));
        assertThat(serving.instant()).isEqualTo(seen);
        host.step(Duration.ofHours(3));
        assertThat(serving.instant()).isEqualTo(T.plus(Duration.ofHours(3)));
    }
}
