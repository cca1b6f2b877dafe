package dev.veil.provider.broker;

/**
 * A token bucket over releases: {@code perSecond} on average, at most {@code burst} at once. Appraisal is the costly
 * step (signature chains, collateral), so the bucket is consulted before it, but after the cheap checks (the broker's
 * own nonce, the key-wrap suite): junk answering no challenge costs no token, so it cannot use the rate up, and a
 * genuine instance is told when to retry.
 */
final class ReleaseRate {
    private final double perSecond;
    private final double burst;
    private double tokens;
    private long last;

    ReleaseRate(double perSecond, int burst) {
        if (perSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("a release rate is positive, with a burst of at least 1");
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokens = burst;
        this.last = System.nanoTime();
    }

    synchronized boolean tryTake() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - last) / 1e9 * perSecond);
        last = now;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }

    /** Returns a token taken by {@link #tryTake} for work that was refused after all (never above the burst). */
    synchronized void giveBack() {
        tokens = Math.min(burst, tokens + 1);
    }

    /** Whole seconds until one token is back, at least 1 (a Retry-After value). */
    long retryAfterSeconds() {
        return Math.max(1, (long) Math.ceil(1 / perSecond));
    }
}
