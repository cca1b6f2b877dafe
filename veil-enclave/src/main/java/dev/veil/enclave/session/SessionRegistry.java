package dev.veil.enclave.session;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.receipt.FailureCode;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enclave's sessions by contract hash. A contract under which a key was released is tombstoned when its session
 * ends: its session cannot be opened again, so a discarded model cannot be brought back by replaying the same
 * ceremony in this process. A session nobody released a key to leaves no tombstone, so an unauthenticated hello cannot
 * burn a contract. Both sets are bounded: at most {@code maxOpenSessions} sessions are open (a hello for another is
 * refused with a clear reason), and tombstones are kept until their contract expires or, when
 * {@code maxTombstones} are held, the oldest is forgotten; the providers' own record of completed contracts is what
 * stops a replay after that (or after a restart), not this set.
 */
public final class SessionRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

    private final EnclaveConfig config;
    private final Map<String, Session> open = new HashMap<>();
    private final LinkedHashMap<String, Instant> tombstones = new LinkedHashMap<>();
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
        Instant now = Instant.now();
        tombstones.values().removeIf(expiry -> expiry.isBefore(now));
        if (tombstones.containsKey(key)) {
            throw new SessionFailure(FailureCode.SESSION_UNAVAILABLE, "session " + key.substring(0, 12)
                    + " was already used and its model discarded; sign a new contract to run again");
        }
        Session s = open.get(key);
        if (s == null) {
            if (open.size() >= config.limits().maxOpenSessions()) {
                throw new SessionFailure(FailureCode.SESSION_UNAVAILABLE, "the enclave holds " + open.size()
                        + " open sessions, the most it serves at once; try again when one has ended");
            }
            Instant expiry = Instant.parse(contract.contract().expiresAt());
            Session created = new Session(contract, config, keyWasReleased -> retire(key, expiry, keyWasReleased));
            open.put(key, created);
            timers.schedule(created::discardIfWaitingForParties, config.partyTimeout().toMillis(), TimeUnit.MILLISECONDS);
            s = created;
        }
        return s;
    }

    /** Removes an ended session; tombstones its contract if a key was released under it. */
    synchronized boolean retire(String key, Instant expiry, boolean keyWasReleased) {
        open.remove(key);
        if (!keyWasReleased) {
            return false;
        }
        if (tombstones.size() >= config.limits().maxTombstones()) {
            Iterator<String> oldest = tombstones.keySet().iterator();
            oldest.next();
            oldest.remove();
            LOG.warn("tombstone set full ({}): forgot the oldest used contract", config.limits().maxTombstones());
        }
        tombstones.put(key, expiry);
        return true;
    }

    synchronized int tombstoneCount() {
        return tombstones.size();
    }

    synchronized boolean isTombstoned(String key) {
        return tombstones.containsKey(key);
    }

    @Override
    public void close() {
        Collection<Session> all;
        synchronized (this) {
            all = List.copyOf(open.values());
        }
        all.forEach(Session::shutdown);
        timers.shutdownNow();
    }
}
