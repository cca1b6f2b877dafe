package dev.veil.enclave.serving;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that runs on the process's monotonic counter ({@link System#nanoTime}) from the wall time read once at start.
 * Challenge lifetimes are measured on it: in a TEE the wall clock is the host's, which can step it back at will; the
 * monotonic counter only runs forward for as long as the process (and the MAC key its tokens are made with) lives.
 */
final class ProcessClock extends Clock {
    private final Instant start;
    private final long startNanos;

    ProcessClock() {
        this.start = Instant.now();
        this.startNanos = System.nanoTime();
    }

    @Override
    public Instant instant() {
        return start.plusNanos(System.nanoTime() - startNanos);
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
