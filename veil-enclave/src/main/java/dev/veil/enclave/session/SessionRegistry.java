package dev.veil.enclave.session;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.protocol.contract.ContractVerifier;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The enclave's sessions by contract hash. A contract that was used once is tombstoned: its session cannot be
 * opened again, so a discarded model cannot be brought back by replaying the same ceremony. A tombstone is kept until
 * its contract expires — after that no enclave accepts the contract anyway — so the set stays bounded.
 */
public final class SessionRegistry implements AutoCloseable {
    private final EnclaveConfig config;
    private final Map<String, Session> open = new HashMap<>();
    private final Map<String, java.time.Instant> tombstones = new HashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "veil-session-timeout");
        t.setDaemon(true);
        return t;
    });

    public SessionRegistry(EnclaveConfig config) {
        this.config = config;
    }

    public synchronized Session join(ContractVerifier.Verified contract) throws SessionFailure {
        String key = contract.hashHex();
        java.time.Instant now = java.time.Instant.now();
        tombstones.values().removeIf(expiry -> expiry.isBefore(now));
        if (tombstones.containsKey(key)) {
            throw new SessionFailure("session " + key.substring(0, 12) + " was already used and its model discarded; "
                    + "sign a new contract to run again");
        }
        Session s = open.get(key);
        if (s == null) {
            java.time.Instant expiry = java.time.Instant.parse(contract.contract().expiresAt());
            Session created = new Session(contract, config, () -> retire(key, expiry));
            open.put(key, created);
            timers.schedule(() -> created.discard("the other provider did not complete its part within "
                    + config.partyTimeout().toSeconds() + " s"), config.partyTimeout().toMillis(), TimeUnit.MILLISECONDS);
            s = created;
        }
        return s;
    }

    private synchronized void retire(String key, java.time.Instant expiry) {
        open.remove(key);
        tombstones.put(key, expiry);
    }

    @Override
    public void close() {
        Collection<Session> all;
        synchronized (this) {
            all = List.copyOf(open.values());
        }
        all.forEach(s -> s.discard("the enclave is shutting down"));
        timers.shutdownNow();
    }
}
