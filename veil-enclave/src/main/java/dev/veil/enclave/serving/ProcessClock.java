package dev.veil.enclave.serving;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.LongSupplier;

/**
 * A clock that runs on the process's monotonic counter ({@link System#nanoTime}) from the wall time read once at start.
 * Serving time is measured on it (challenge lifetimes, the contract's expiry, the budget's day, the replay window): in
 * a TEE the wall clock is the host's, which can step it back or forward at will; the monotonic counter only runs
 * forward, at its own pace, for as long as the process (and the instance keys made at its start) lives. The start time
 * itself is the host's: docs/PROTOCOL.md says what that leaves to the host.
 */
final class ProcessClock extends Clock {
    private final Instant start;
    private final long startNanos;
    private final LongSupplier nanos;

    ProcessClock() {
        this(Clock.systemUTC(), System::nanoTime);
    }

    /** Anchored at {@code wall}'s time now, then run by {@code nanos} alone (tests pass both). */
    ProcessClock(Clock wall, LongSupplier nanos) {
        this.start = wall.instant();
        this.nanos = nanos;
        this.startNanos = nanos.getAsLong();
    }

    @Override
    public Instant instant() {
        return start.plusNanos(nanos.getAsLong() - startNanos);
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
