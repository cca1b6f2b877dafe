package dev.veil.provider.broker;

import dev.veil.protocol.broker.RevokedInstances;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The revocations in force, kept in the broker's signed records: each revocation is a leaf ({@code RevocationLeaf}) of
 * every contract's record the broker serves, so the head kept beside each record protects it as it protects releases,
 * and a broker rebuilds the revocations from its records at start. The {@code revoked} file ({@link Revocations}) is
 * only where {@code veil broker revoke} asks: what it asks beyond the records is written into every record (and made
 * durable) within {@link RevocationWatch#PERIOD} of the file's change, before the request that saw it is refused, at
 * the broker's start, and at its stop; what it no longer says (deleted, emptied, rewritten) revokes nothing less.
 *
 * <p>At start the union of every record's revocations is carried into each record that lacks some (a contract added to
 * the broker later, or one whose record was written before another's revocation), so each record holds them all.
 */
final class RevocationLedger {
    private static final Logger LOG = LoggerFactory.getLogger(RevocationLedger.class);

    private final Revocations requests;
    private final List<ReleaseRecord> records;
    private final Clock clock;
    /** What the records hold; written under this object's lock, read without it (see {@link #inForce}). */
    private volatile RevokedInstances recorded;
    /** The file's reading last recorded: while the file is unchanged it is that very object, and nothing needs the lock. */
    private volatile Revocations.Snapshot recordedFrom;
    /** Whether a failed write was logged (guarded by this): until the broker restarts every later write fails alike. */
    private boolean writeFailureLogged;

    private RevocationLedger(Revocations requests, List<ReleaseRecord> records, Clock clock, RevokedInstances recorded) {
        this.requests = requests;
        this.records = records;
        this.clock = clock;
        this.recorded = recorded;
    }

    /**
     * The revocations the opened (verified) records hold, carried into every record, then what the file asks recorded
     * too; a failed write stops the broker's start.
     */
    static RevocationLedger open(Revocations requests, List<ReleaseRecord> records, Clock clock) throws IOException {
        RevokedInstances all = RevokedInstances.NONE;
        for (ReleaseRecord r : records) {
            all = all.union(r.revocations());
        }
        RevocationLedger ledger = new RevocationLedger(requests, List.copyOf(records), clock, all);
        synchronized (ledger) {
            for (ReleaseRecord r : records) {
                RevokedInstances has = r.revocations();
                List<String> missing = new ArrayList<>(new TreeSet<>(all.instances()));
                missing.removeAll(has.instances());
                if (all.all() && !has.all()) {
                    missing.add(null);
                }
                ledger.write(List.of(r), missing);
            }
            ledger.record(requests.current());
        }
        return ledger;
    }

    /**
     * The revocations in force now: what the records hold, and what the file asks, written into the records first (a
     * failed write refuses everything: the record takes no more lines until the broker restarts).
     */
    RevokedInstances current() {
        Revocations.Snapshot asked = requests.current();
        if (asked != recordedFrom) {
            synchronized (this) {
                try {
                    record(asked);
                } catch (IOException e) {
                    if (!writeFailureLogged) {   // a failed record takes no more lines: said once, not at every watch tick
                        LOG.error("cannot write a revocation into the release records ({}): refusing every release", e.getMessage());
                        writeFailureLogged = true;
                    }
                    return recorded.with((String) null);
                }
            }
        }
        return asked.unreadable() ? recorded.with((String) null) : recorded;
    }

    /**
     * The revocations in force now, without writing: for a check made while a record's lock is held (writing would take
     * every record's lock, against another holder waiting for this one). What the file asks is refused all the same, and
     * recorded by the next {@link #current}.
     */
    RevokedInstances inForce() {
        Revocations.Snapshot asked = requests.current();
        // recordedFrom before recorded: record() writes them in the other order, so a reading that sees this file's
        // snapshot recorded also sees the revocations written for it (read the other way, a recording finishing in
        // between would pass the fast path with the set from before it)
        Revocations.Snapshot from = recordedFrom;
        RevokedInstances r = recorded;
        if (asked == from && !asked.unreadable()) {
            return r;
        }
        if (asked.unreadable() || asked.all()) {
            r = r.with((String) null);
        }
        return r.union(new RevokedInstances(false, asked.instances()));
    }

    /** Records what the file asks since the last request: a revocation made just before a stop holds after it. */
    void close() {
        current();
    }

    private void record(Revocations.Snapshot asked) throws IOException {
        RevokedInstances now = recorded;
        List<String> missing = new ArrayList<>(new TreeSet<>(asked.instances()));
        missing.removeAll(now.instances());
        if (asked.all() && !now.all()) {
            missing.add(null);
        }
        write(records, missing);
        recordedFrom = asked;
    }

    /** Writes each revocation (null: every release) into each record, waits until all are on disk, then counts them. */
    private void write(List<ReleaseRecord> into, List<String> revocations) throws IOException {
        if (revocations.isEmpty()) {
            return;
        }
        List<Long> ends = new ArrayList<>();
        for (ReleaseRecord r : into) {
            long end = 0;
            for (String instance : revocations) {
                end = r.writeRevocation(instance, clock.instant());
            }
            ends.add(end);
        }
        for (int i = 0; i < into.size(); i++) {
            into.get(i).awaitDurable(ends.get(i));
        }
        RevokedInstances now = recorded;
        for (String instance : revocations) {
            now = now.with(instance);
            LOG.info("recorded the revocation of {} in {} release record(s)", instance == null ? "every release"
                    : "instance " + instance.substring(0, 16) + "…", into.size());
        }
        recorded = now;
    }
}
