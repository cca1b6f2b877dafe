package dev.veil.enclave.session;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.inference.WorkerReserve;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.seal.AssetKey;
import dev.veil.protocol.receipt.FailureCode;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
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
 * burn a contract.
 *
 * <p>A hello proves nothing (anyone can sign a contract between two identities of their own), so a session counts
 * toward {@code maxOpenSessions} only from its first valid key release, and its party timer starts then; a session
 * no provider released a key to is dropped as soon as the last connection that joined it ends. Once both keys are
 * released, the uploads must complete within another party timeout (a trickled upload would otherwise hold the session
 * and both keys under the per-read idle timeout). Both sets are bounded: at most {@code maxOpenSessions} sessions hold
 * a released key (a hello or key release for another is refused with a clear reason), and tombstones are kept until their contract expires or, when
 * {@code maxTombstones} are held, the oldest is forgotten; the providers' own record of completed contracts is what
 * stops a replay after that (or after a restart), not this set.
 */
public final class SessionRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

    private final EnclaveConfig config;
    /** The one inference worker started ahead of need (at most one, whoever connects). */
    private final WorkerReserve workers;
    private final Map<String, Session> open = new HashMap<>();
    /** Contracts whose session holds a released key: these count toward maxOpenSessions. */
    private final Set<String> claimed = new HashSet<>();
    /** Connections that joined a session and have not yet released a key (or left), per contract. */
    private final Map<String, Integer> unauthenticated = new HashMap<>();
    private final LinkedHashMap<String, Instant> tombstones = new LinkedHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "veil-session-timeout");
        t.setDaemon(true);
        return t;
    });

    public SessionRegistry(EnclaveConfig config) {
        this.config = config;
        this.workers = new WorkerReserve(config.workDir().resolve(Session.ORT_SCRATCH_DIR));
    }

    /**
     * Starts an inference worker in the background for the next session to take (the enclave server does so at boot):
     * its JVM start and ONNX Runtime's initialisation then overlap the providers' attestation and key release instead
     * of following them. It receives a model only from a session whose keys were released.
     */
    public void prestartWorker() {
        workers.refill();
    }

    /** Starts no worker ahead for a later session: this process serves one ({@link WorkerReserve#stopRefilling}). */
    public void stopPrestartingWorkers() {
        workers.stopRefilling();
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
            requireFreeSlot();
            Instant expiry = Instant.parse(contract.contract().expiresAt());
            Session[] self = new Session[1];
            s = new Session(contract, config, keyWasReleased -> retire(key, expiry, keyWasReleased, self[0]), workers);
            self[0] = s;
            open.put(key, s);
        }
        unauthenticated.merge(key, 1, Integer::sum);
        return s;
    }

    private void requireFreeSlot() throws SessionFailure {
        if (claimed.size() >= config.limits().maxOpenSessions()) {
            throw noFreeSlot(claimed.size());
        }
    }

    private static SessionFailure noFreeSlot(int held) {
        return new SessionFailure(FailureCode.SESSION_UNAVAILABLE, "the enclave holds " + held
                + " open sessions, the most it serves at once; try again when one has ended");
    }

    /**
     * A connection that joined {@code session} released a valid key: the session takes a slot (refused when none is
     * free) and starts its party timer at its first release; the key is deposited; once both keys are in, the upload
     * deadline starts.
     */
    public void releaseKey(Session session, Role role, AssetKey key, Session.Attested evidence) throws SessionFailure {
        String hash = session.contract().hashHex();
        boolean first;
        int held = -1;   // set when no slot is free
        Session abandoned = null;
        synchronized (this) {
            if (open.get(hash) != session) {
                key.close();
                throw new SessionFailure(FailureCode.SESSION_UNAVAILABLE, "session " + session.id() + " has ended; start again");
            }
            unauthenticated.computeIfPresent(hash, (k, n) -> n > 1 ? n - 1 : null);   // this connection is authenticated now
            first = !claimed.contains(hash);
            if (first && claimed.size() >= config.limits().maxOpenSessions()) {
                held = claimed.size();
                key.close();
                if (!unauthenticated.containsKey(hash)) {   // nobody else waits on it: drop it
                    open.remove(hash);
                    abandoned = session;
                }
            } else if (first) {
                claimed.add(hash);
            }
        }
        if (held >= 0) {
            if (abandoned != null) {
                abandoned.discard(new SessionFailure(FailureCode.SESSION_UNAVAILABLE, "no free session slot"));
            }
            throw noFreeSlot(held);
        }
        session.depositKey(role, key, evidence);
        if (first) {
            timers.schedule(session::discardIfWaitingForParties, config.partyTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        if (session.jointConsent()) {
            timers.schedule(session::discardIfUploadsIncomplete, config.partyTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** A connection that joined {@code session} ended before a valid key release. */
    public void leave(Session session) {
        Session abandoned;
        synchronized (this) {
            abandoned = leaveLocked(session);
        }
        if (abandoned != null) {
            abandoned.discard(new SessionFailure(FailureCode.SESSION_UNAVAILABLE, "every connection left before a key release"));
        }
    }

    /**
     * One unauthenticated connection fewer; returns the session if that left it with neither a connection waiting nor a
     * released key (it is removed here and must be discarded), else null.
     */
    private Session leaveLocked(Session session) {
        String hash = session.contract().hashHex();
        Integer left = unauthenticated.computeIfPresent(hash, (k, n) -> n > 1 ? n - 1 : null);
        if (left == null && open.get(hash) == session && !claimed.contains(hash) && !session.anyKeyReleased()) {
            open.remove(hash);
            return session;
        }
        return null;
    }

    /** Removes an ended session; tombstones its contract if a key was released under it. */
    /** As below, for whichever session is open under {@code key}. */
    synchronized boolean retire(String key, Instant expiry, boolean keyWasReleased) {
        return retire(key, expiry, keyWasReleased, open.get(key));
    }

    synchronized boolean retire(String key, Instant expiry, boolean keyWasReleased, Session session) {
        if (open.get(key) == session) {   // a dropped session's contract may have a new session by now
            open.remove(key);
            claimed.remove(key);
            unauthenticated.remove(key);
        }
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
        workers.close();
    }
}
