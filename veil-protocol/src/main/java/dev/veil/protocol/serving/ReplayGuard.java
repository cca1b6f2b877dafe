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
 *
 * <p>Its time never goes back: {@code now} is the latest time it was ever given. In a TEE the wall clock is the host's;
 * a host that stepped it forward (making the guard forget every id) and back again would otherwise get a captured
 * request admitted a second time. After a step forward, requests made before it are refused as outside the window.
 *
 * <p>Each data provider holds at most {@code perDataProvider} ids: an id enters as soon as its request's signature
 * verifies, before any budget is charged, so without a share one data provider's refused requests could fill the guard
 * and get every other data provider refused for a window.
 *
 * <p>Thread-safe. It lives as long as the process, so it relies on a restarted instance generating new instance keys
 * (as instance keys are generated at start): no request sealed to the old keys opens under the new ones.
 */
public final class ReplayGuard {
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
    public static final int DEFAULT_CAPACITY = 1_000_000;
    /** With a contract open to any data provider, how many equal shares the capacity is cut into. */
    public static final int SHARES_WHEN_ANY_DATA_PROVIDER = 16;

    /** What the guard decided about one request. */
    public enum Verdict {
        ADMITTED, REPLAYED, OUTSIDE_WINDOW, FULL, SHARE_FULL
    }

    private record Seen(String dataProvider, String key, Instant forgetAfter) {
    }

    private final Duration window;
    private final int capacity;
    private final int perDataProvider;
    private final Map<String, Instant> seen = new HashMap<>();
    private final Map<String, Integer> heldBy = new HashMap<>();
    private final PriorityQueue<Seen> byExpiry = new PriorityQueue<>((a, b) -> a.forgetAfter.compareTo(b.forgetAfter));
    private Instant latest = Instant.MIN;

    /** A guard in which no one data provider holds more than {@code perDataProvider} of the {@code capacity} ids. */
    public ReplayGuard(Duration window, int capacity, int perDataProvider) {
        if (window.isNegative() || window.isZero() || capacity < 1 || perDataProvider < 1 || perDataProvider > capacity) {
            throw new IllegalArgumentException("a replay guard needs a positive window and capacity, and a per-data-provider "
                    + "share between 1 and its capacity");
        }
        this.window = window;
        this.capacity = capacity;
        this.perDataProvider = perDataProvider;
    }

    /** A guard in which no one data provider holds more than half of the {@code capacity} ids. */
    public ReplayGuard(Duration window, int capacity) {
        this(window, capacity, Math.max(1, capacity / 2));
    }

    public static ReplayGuard withDefaults() {
        return new ReplayGuard(DEFAULT_WINDOW, DEFAULT_CAPACITY);
    }

    /**
     * The default guard for a contract's data providers: the capacity cut into equal shares, one per listed data
     * provider (each holds its share whatever the others send), or {@link #SHARES_WHEN_ANY_DATA_PROVIDER} when any
     * identity may query (anyone can make identities, so there a share bounds each identity, not the total).
     */
    public static ReplayGuard forAccess(DataProviderAccess access) {
        int shares = access.any() ? SHARES_WHEN_ANY_DATA_PROVIDER : Math.max(1, access.identities().size());
        return new ReplayGuard(DEFAULT_WINDOW, DEFAULT_CAPACITY, Math.max(1, DEFAULT_CAPACITY / shares));
    }

    public Duration window() {
        return window;
    }

    public int perDataProvider() {
        return perDataProvider;
    }

    /**
     * Admits the request of {@code dataProviderFingerprint} with {@code requestId}, made at {@code createdAt}, or says
     * why not. Call it only for a request whose signature verified, so nobody else can fill the guard. A {@code now}
     * earlier than one already given counts as that one.
     */
    public synchronized Verdict admit(String dataProviderFingerprint, String requestId, Instant createdAt, Instant now) {
        if (now.isAfter(latest)) {
            latest = now;
        }
        Instant at = latest;
        if (createdAt.isBefore(at.minus(window)) || createdAt.isAfter(at.plus(window))) {
            return Verdict.OUTSIDE_WINDOW;
        }
        forgetBefore(at);
        String key = dataProviderFingerprint + "/" + requestId;
        if (seen.containsKey(key)) {
            return Verdict.REPLAYED;
        }
        if (seen.size() >= capacity) {
            return Verdict.FULL;
        }
        if (heldBy.getOrDefault(dataProviderFingerprint, 0) >= perDataProvider) {
            return Verdict.SHARE_FULL;
        }
        Instant forgetAfter = createdAt.plus(window);
        seen.put(key, forgetAfter);
        heldBy.merge(dataProviderFingerprint, 1, Integer::sum);
        byExpiry.add(new Seen(dataProviderFingerprint, key, forgetAfter));
        return Verdict.ADMITTED;
    }

    /** How many ids the guard holds now (for metrics and tests). */
    public synchronized int size() {
        return seen.size();
    }

    private void forgetBefore(Instant now) {
        while (!byExpiry.isEmpty() && byExpiry.peek().forgetAfter.isBefore(now)) {
            Seen gone = byExpiry.poll();
            seen.remove(gone.key);
            heldBy.computeIfPresent(gone.dataProvider, (dp, n) -> n == 1 ? null : n - 1);
        }
    }
}
