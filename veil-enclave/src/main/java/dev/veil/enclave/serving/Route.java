package dev.veil.enclave.serving;

/**
 * Every path the server answers, with the method it takes. The route's {@link #label()} is the only request-derived
 * value metrics and logs carry: a fixed name, never the path a client sent.
 */
public enum Route {
    ATTEST("POST", "/v1/attest", "attest"),
    PROVISION("POST", "/v1/provision", "provision"),
    RETIRE("POST", "/v1/retire", "retire"),
    INFER("POST", "/v1/infer", "infer"),
    LOG_HEAD("GET", "/v1/log/head", "log_head"),
    LOG_CONSISTENCY("GET", "/v1/log/consistency", "log_consistency"),
    METRICS("GET", "/metrics", "metrics"),
    HEALTH("GET", "/healthz", "healthz");

    private final String method;
    private final String path;
    private final String label;

    Route(String method, String path, String label) {
        this.method = method;
        this.path = path;
        this.label = label;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public String label() {
        return label;
    }

    /** The route at {@code path}, whatever the method; null for any other path. */
    static Route at(String path) {
        for (Route r : values()) {
            if (r.path.equals(path)) {
                return r;
            }
        }
        return null;
    }

    /** Operators' routes answer even when the server is full, so it can be watched while it sheds load. */
    boolean bypassesAdmission() {
        return this == METRICS || this == HEALTH;
    }
}
