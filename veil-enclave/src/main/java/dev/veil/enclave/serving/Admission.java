package dev.veil.enclave.serving;

import java.util.concurrent.Semaphore;

/**
 * Bounds the requests being worked on at once. A request over the bound is refused at once (503 with Retry-After)
 * instead of waiting in a queue that grows with the load: memory and threads stay bounded, and a client learns to back
 * off. Everything queued further in (the batcher's queue) is bounded by this too.
 */
final class Admission {
    private final Semaphore slots;
    private final int maxInFlight;

    Admission(int maxInFlight) {
        this.slots = new Semaphore(maxInFlight);
        this.maxInFlight = maxInFlight;
    }

    /** Requests being worked on now (a metric). */
    int inFlight() {
        return maxInFlight - slots.availablePermits();
    }

    boolean tryEnter() {
        return slots.tryAcquire();
    }

    void leave() {
        slots.release();
    }
}
