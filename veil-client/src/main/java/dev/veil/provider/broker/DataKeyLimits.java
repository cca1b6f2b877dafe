package dev.veil.provider.broker;

/**
 * The broker's bounds on data-key requests (wrap, unwrap, owner unwrap), in requests per second and burst: each
 * caller's own bucket (an instance, the provider, the owner) and one over all callers ({@link DataKeyGate}).
 */
public record DataKeyLimits(double perCallerPerSecond, int perCallerBurst, double overallPerSecond, int overallBurst) {
    public DataKeyLimits {
        if (!(perCallerPerSecond > 0) || perCallerBurst < 1 || !(overallPerSecond > 0) || overallBurst < 1) {
            throw new IllegalArgumentException("a data-key rate is positive, with a burst of at least 1");
        }
    }

    /** 50 per second per caller (burst 200), 200 per second in all (burst 400). */
    public static DataKeyLimits defaults() {
        return new DataKeyLimits(50, 200, 200, 400);
    }
}
