package dev.veil.protocol.serving;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The enclave's memory of the requests it admitted, so that none is answered twice. A request is admitted only if
 * its {@code created_at} is within the window of now (either side, for clock skew) and its id was not seen; an id
 * is forgotten once its {@code created_at} has left the window, since the request would be refused as too old
 * anyway, so memory holds at most the ids of one window. When that is more than the capacity, new requests are
 * refused (the guard never forgets early, which would let a replay through). Pure: the time is a parameter.
 * Thread-safe. It lives as long as the process, so it relies on a restarted instance generating new instance keys
 * (as instance keys are generated at start): no request sealed to the old keys opens under the new ones.
 */
public final class ReplayGuard {
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
    public static final int DEFAULT_CAPACITY = 1_000_000;

    /** What the guard decided about one request. */
    public enum Verdict {
        ADMITTED, REPLAYED, OUTSIDE_WINDOW, FULL
    }

    private record Seen(String key, Instant forgetAfter) {
    }

    private final Duration window;
    private final int capacity;
    private final Map<String, Instant> seen = new HashMap<>();
    private final PriorityQueue<Seen> byExpiry = new PriorityQueue<>((a, b) -> a.forgetAfter.compareTo(b.forgetAfter));

    public ReplayGuard(Duration window, int capacity) {
        if (window.isNegative() || window.isZero() || capacity < 1) {
            throw new IllegalArgumentException("a replay guard needs a positive window and capacity");
        }
        this.window = window;
        this.capacity = capacity;
    }

    public static ReplayGuard withDefaults() {
        return new ReplayGuard(DEFAULT_WINDOW, DEFAULT_CAPACITY);
    }

    public Duration window() {
        return window;
    }

    /**
     * Admits the request of {@code dataProviderFingerprint} with {@code requestId}, made at {@code createdAt}, or says
     * why not. Call it only for a request whose signature verified, so nobody else can fill the guard.
     */
    public synchronized Verdict admit(String dataProviderFingerprint, String requestId, Instant createdAt, Instant now) {
        if (createdAt.isBefore(now.minus(window)) || createdAt.isAfter(now.plus(window))) {
            return Verdict.OUTSIDE_WINDOW;
        }
        forgetBefore(now);
        String key = dataProviderFingerprint + "/" + requestId;
        if (seen.containsKey(key)) {
            return Verdict.REPLAYED;
        }
        if (seen.size() >= capacity) {
            return Verdict.FULL;
        }
        Instant forgetAfter = createdAt.plus(window);
        seen.put(key, forgetAfter);
        byExpiry.add(new Seen(key, forgetAfter));
        return Verdict.ADMITTED;
    }

    /** How many ids the guard holds now (for metrics and tests). */
    public synchronized int size() {
        return seen.size();
    }

    private void forgetBefore(Instant now) {
        while (!byExpiry.isEmpty() && byExpiry.peek().forgetAfter.isBefore(now)) {
            seen.remove(byExpiry.poll().key);
        }
    }
}
