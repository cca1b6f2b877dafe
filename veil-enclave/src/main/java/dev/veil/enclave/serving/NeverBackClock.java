package dev.veil.enclave.serving;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that never reads earlier than a time it already gave: the latest of its source's readings. Every serving
 * decision that depends on time (the contract's expiry, the budget's day, the replay window, challenge lifetimes)
 * reads one such clock, so a source stepped back (the host's wall clock, in a TEE) cannot revive an expired contract,
 * turn a budget's day back or bring back a forgotten request id.
 */
final class NeverBackClock extends Clock {
    private final Clock source;
    private final AtomicReference<Instant> latest = new AtomicReference<>(Instant.MIN);

    private NeverBackClock(Clock source) {
        this.source = source;
    }

    static NeverBackClock of(Clock source) {
        return source instanceof NeverBackClock n ? n : new NeverBackClock(source);
    }

    @Override
    public Instant instant() {
        Instant read = source.instant();
        return latest.accumulateAndGet(read, (a, b) -> a.isAfter(b) ? a : b);
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
