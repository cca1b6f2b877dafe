package dev.veil.enclave.serving;

import dev.veil.protocol.serving.ServingBudget;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * Rows answered per data provider (by fingerprint), against this instance's share of the contract's budgets (the
 * budget divided by the contract's {@code max_instances}): rows per UTC day and in total.
 * Rows are reserved before the model runs, so concurrent requests cannot overshoot together, and given back when the
 * request got no output. Bounded: a contract open to any identity gets at most {@code maxDataProviders} of them.
 */
final class Budgets {
    /** Why a request does not fit: one line for the data provider. */
    static final class Exhausted extends Exception {
        Exhausted(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Usage {
        LocalDate day;
        long today;
        long total;
    }

    private final ServingBudget budget;
    private final String share;
    private final int maxDataProviders;
    private final Map<String, Usage> byDataProvider = new HashMap<>();

    /** {@code budget} is this instance's share when the contract lets {@code instances} instances serve it. */
    Budgets(ServingBudget budget, int instances, int maxDataProviders) {
        this.budget = budget;
        this.share = instances == 1 ? "" : " (this instance's share: the contract's budget divided among its max_instances "
                + instances + ")";
        this.maxDataProviders = maxDataProviders;
    }

    synchronized void reserve(String fingerprint, long rows, Instant now) throws Exhausted {
        Usage u = byDataProvider.get(fingerprint);
        if (u == null) {
            if (byDataProvider.size() >= maxDataProviders) {
                throw new Exhausted("this instance serves as many data providers as it may (" + maxDataProviders + ")");
            }
            u = new Usage();
            byDataProvider.put(fingerprint, u);
        }
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        if (u.day == null || today.isAfter(u.day)) {
            // The day only moves forward: a request stamped before the current day (read before midnight, reserved
            // after) counts against the current day rather than turning the count back (BudgetDayBoundaryAttackTest).
            u.day = today;
            u.today = 0;
        }
        if (u.total + rows > budget.rowsTotal()) {
            throw new Exhausted("your budget under this serving contract is exhausted: " + u.total + " of rows_total "
                    + budget.rowsTotal() + share + " rows used, this request has " + rows + "; the model provider sets the budget");
        }
        if (u.today + rows > budget.rowsPerDay()) {
            throw new Exhausted("your daily budget under this serving contract is exhausted: " + u.today + " of rows_per_day "
                    + budget.rowsPerDay() + share + " rows used today (UTC), this request has " + rows + "; it renews at 00:00 UTC");
        }
        u.today += rows;
        u.total += rows;
    }

    /**
     * Gives back rows reserved for a request that got no output (on the day they were reserved). An identity left with
     * nothing answered holds no place, so only identities really served count against {@code maxDataProviders}
     * (BudgetTableFloodAttackTest).
     */
    synchronized void refund(String fingerprint, long rows, Instant reservedAt) {
        Usage u = byDataProvider.get(fingerprint);
        if (u == null) {
            return;
        }
        u.total -= rows;
        if (!LocalDate.ofInstant(reservedAt, ZoneOffset.UTC).isBefore(u.day)) {
            u.today = Math.max(0, u.today - rows);
        }
        if (u.total <= 0) {
            byDataProvider.remove(fingerprint);
        }
    }
}
