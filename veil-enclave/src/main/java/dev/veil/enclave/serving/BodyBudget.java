package dev.veil.enclave.serving;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of request bodies held at once, over all connections: bodies are read before a request is admitted, so without
 * this the memory they hold would be bounded only by connections × the largest body.
 */
final class BodyBudget {
    private final long max;
    private final AtomicLong held = new AtomicLong();

    BodyBudget(long max) {
        this.max = max;
    }

    /** Takes {@code n} more bytes, or nothing and false when that would go over the bound. */
    boolean tryTake(long n) {
        long now;
        do {
            now = held.get();
            if (now + n > max) {
                return false;
            }
        } while (!held.compareAndSet(now, now + n));
        return true;
    }

    /** Bytes held now (a metric). */
    long held() {
        return held.get();
    }

    void give(long n) {
        held.addAndGet(-n);
    }
}
