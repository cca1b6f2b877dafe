package dev.veil.provider.broker;

/**
 * The broker refused a request: the HTTP status, a fixed reason id (the only part metrics and logs carry) and one line
 * for the caller that never holds a key or data.
 */
public final class BrokerRefusal extends Exception {
    /** The fixed reasons, each with its HTTP status. */
    public enum Reason {
        BAD_REQUEST(400), UNKNOWN_CONTRACT(404), CONTRACT_EXPIRED(410), STALE_CHALLENGE(403), EVIDENCE_REFUSED(403),
        INSTANCE_LIMIT(403), REVOKED(403), NOT_RELEASED(403), NOT_IN_SCOPE(403), BAD_SIGNATURE(403), UNKNOWN_MASTER_KEY(404),
        KEY_DOES_NOT_OPEN(422), RATE_LIMITED(429), OVERLOADED(503), NOT_FOUND(404), METHOD_NOT_ALLOWED(405),
        TOO_LARGE(413), TIMEOUT(408), COLLATERAL_UNAVAILABLE(503), INTERNAL(500);

        private final int status;

        Reason(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Reason reason;

    public BrokerRefusal(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
