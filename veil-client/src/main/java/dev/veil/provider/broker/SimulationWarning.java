package dev.veil.provider.broker;

import dev.veil.attest.Simulation;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The broker's warning that it releases to simulated instances: at the first such release, then at most once per
 * {@link #EVERY_NANOS}, counting the releases since the last warning. The same line on every release was a write to
 * the log per release (the broker's only log line at its default level) that told the operator nothing new.
 */
final class SimulationWarning {
    static final long EVERY_NANOS = 60_000_000_000L;

    private final LongSupplier nanoTime;
    private final Consumer<String> warn;
    private final AtomicLong since = new AtomicLong();
    private final Object lock = new Object();
    private long lastNanos;
    private boolean warned;

    SimulationWarning(LongSupplier nanoTime, Consumer<String> warn) {
        this.nanoTime = nanoTime;
        this.warn = warn;
    }

    /** One more release to a simulated instance: warns if this is the first, or the last warning is old enough. */
    void released() {
        since.incrementAndGet();
        long now = nanoTime.getAsLong();
        synchronized (lock) {
            if (warned && now - lastNanos < EVERY_NANOS) {
                return;
            }
            warned = true;
            lastNanos = now;
        }
        warn.accept(Simulation.ONE_LINE + " (" + since.getAndSet(0) + " release(s) to simulated instances since the last warning)");
    }
}
