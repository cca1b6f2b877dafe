package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.serving.ServingBudget;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A data provider extracting the model past rows_per_day by timing requests around 00:00 UTC. The instance reads the
 * clock when a request arrives ({@code ServingInstance.infer}), then opens it (HPKE, signature, replay guard, .npz
 * parsing: longer for a bigger request), and only then reserves its rows with that earlier instant. Concurrent
 * requests straddling midnight therefore reach {@link Budgets#reserve} out of order: one read on the new day, then one
 * read just before midnight. {@code Budgets} treats any change of day as a new day and zeroes the day's count, so the
 * late pre-midnight request moves the day back and the next post-midnight request finds the day's count zeroed again:
 * every flip is a fresh rows_per_day.
 *
 * <p>Safe behaviour: the day never moves backwards for a data provider (a reservation stamped before its current day
 * counts against it, or the day is read under the lock), so no day answers more than rows_per_day.
 */
class BudgetDayBoundaryAttackTest {
    @Test
    void requestStampedBeforeMidnightButReservedAfterDoesNotResetTheNewDaysCount() throws Exception {
        Budgets budgets = new Budgets(new ServingBudget(10L, 1_000L), 1, 100);
        Instant justAfterMidnight = Instant.parse("2026-12-02T00:00:00.100Z");
        Instant justBeforeMidnight = Instant.parse("2026-12-01T23:59:59.900Z");

        budgets.reserve("dp", 10, justAfterMidnight);              // the new day's whole budget
        // a slow request read before midnight arrives late: it counts against the current (full) day
        assertThatThrownBy(() -> budgets.reserve("dp", 1, justBeforeMidnight)).isInstanceOf(Budgets.Exhausted.class);
        // The new day has answered its 10 rows: another 10 must be refused (they were reserved before the fix).
        assertThatThrownBy(() -> budgets.reserve("dp", 10, justAfterMidnight.plusMillis(1)))
                .isInstanceOf(Budgets.Exhausted.class)
                .hasMessageContaining("daily budget");
    }
}
