package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.serving.ServingBudget;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A data provider racing concurrent requests against its budget: rows are reserved before the model runs, under one
 * lock, so requests released together cannot all pass the check before any of them is counted. Holds today; kept as
 * the test of that check (without the reservation-before-run, the racing requests would overshoot).
 */
class BudgetReservationRaceTest {
    @Test
    void concurrentRequestsCannotOvershootTheBudgetTogether() throws Exception {
        Budgets budgets = new Budgets(new ServingBudget(10L, 10L), 1, 100);
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger admitted = new AtomicInteger();
        List<Thread> racers = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    budgets.reserve("dp", 3, now);
                    admitted.incrementAndGet();
                } catch (Budgets.Exhausted expected) {
                    // over the budget: refused
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            racers.add(t);
        }
        go.countDown();
        for (Thread t : racers) {
            t.join();
        }
        assertThat(admitted.get()).as("3-row requests admitted under a 10-row budget").isEqualTo(3);
    }
}
