package dev.veil.enclave.serving;

/**
 * Model uploads ({@link Route#PROVISION}) apart from every other request: one at a time, read into a body budget of
 * their own that holds exactly one. Anyone may start an upload, and it is far larger than a data provider's request;
 * drawn from the same budget, a stranger's stalled uploads would leave no bytes for data providers' requests.
 */
final class Uploads {
    private final Admission one = new Admission(1);
    private final BodyBudget bodies;

    Uploads(ServerLimits limits) {
        this.bodies = new BodyBudget(limits.maxBodyBytes(Route.PROVISION));
    }

    /** Whether {@code route} is read here rather than into the shared budget. */
    static boolean isUpload(Route route) {
        return route == Route.PROVISION;
    }

    /** Takes the one upload slot, or false when another upload holds it. Give it back with {@link #leave()}. */
    boolean tryEnter() {
        return one.tryEnter();
    }

    void leave() {
        one.leave();
    }

    BodyBudget bodies() {
        return bodies;
    }
}
