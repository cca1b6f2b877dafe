package dev.veil.provider.broker;

import dev.veil.protocol.broker.OwnerUnwrapLeaf;
import dev.veil.protocol.broker.ReleaseLeaf;
import dev.veil.protocol.broker.ReleaseLogEntry;
import dev.veil.protocol.broker.RevocationLeaf;
import dev.veil.protocol.broker.RevokedInstances;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.translog.SignedTreeHead;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Offline reading of a broker's state: every contract's release record, verified against the broker's identity. */
public final class ReleaseAudit {
    /**
     * One contract's verified record: its releases, its unwraps for the data provider and its revocations, each in order,
     * and its last signed head (null when empty).
     */
    public record Contract(String contractHash, List<ReleaseLeaf> releases, List<OwnerUnwrapLeaf> ownerUnwraps,
                           List<RevocationLeaf> revocations, SignedTreeHead head) {
        public long instances() {
            return releases.stream().map(ReleaseLeaf::instanceKeys).distinct().count();
        }

        /** What this record revokes, as the broker rebuilds it at start. */
        public RevokedInstances revoked() {
            RevokedInstances r = RevokedInstances.NONE;
            for (RevocationLeaf leaf : revocations) {
                r = r.with(leaf);
            }
            return r;
        }
    }

    private ReleaseAudit() {
    }

    /** Every record in the state directory, each verified line by line; the first that does not verify is the exception. */
    public static List<Contract> verify(BrokerState state, PublicIdentity broker) throws IOException, ProtocolException {
        List<Contract> out = new ArrayList<>();
        for (Path f : ReleaseRecord.files(state)) {
            String hex = f.getFileName().toString().substring(0, 64);
            List<ReleaseLogEntry> entries = ReleaseRecord.verify(f, HexFormat.of().parseHex(hex), broker);
            out.add(new Contract(hex, entries.stream().map(ReleaseLogEntry::release).filter(java.util.Objects::nonNull).toList(),
                    entries.stream().map(ReleaseLogEntry::ownerUnwrap).filter(java.util.Objects::nonNull).toList(),
                    entries.stream().map(ReleaseLogEntry::revocation).filter(java.util.Objects::nonNull).toList(),
                    entries.isEmpty() ? null : entries.get(entries.size() - 1).head()));
        }
        return out;
    }

    /** Where a revocation is recorded (in the signed release records, which the broker enforces after any restart). */
    public enum Recorded {
        /** Written into every release record of the stopped broker, signed with its identity, now. */
        NOW,
        /**
         * Recorded by the running broker, verified in every release record of the state directory (each holds its leaf,
         * covered by the head the broker kept); or, in a state directory holding no record yet, only asked of it.
         */
        BY_THE_RUNNING_BROKER,
        /**
         * A broker holds the state directory, but not every record held the revocation within the wait: it is only
         * asked in the {@code revoked} file, which whoever can write the state volume can remove (the broker is dead
         * but still holds the lock, does not serve a contract whose record is there, or the file was removed first).
         */
        ASKED_NOT_RECORDED,
        /** No broker runs, and no identity was given (or no broker has started on the state yet): its next start records it. */
        AT_THE_NEXT_START
    }

    /** How long {@link #revoke} waits by default for a running broker to record a revocation. */
    public static final long DEFAULT_WAIT_SECONDS = 30;

    /** As {@link #revoke(BrokerState, Identity, String, Clock, Duration)}, waiting {@link #DEFAULT_WAIT_SECONDS}. */
    public static Recorded revoke(BrokerState state, Identity identity, String instanceHex, Clock clock)
            throws IOException, ProtocolException {
        return revoke(state, identity, instanceHex, clock, Duration.ofSeconds(DEFAULT_WAIT_SECONDS));
    }

    /**
     * Revokes an instance (its keys digest in hex, or null for every release): asks for it in the {@code revoked} file;
     * given the broker's identity while no broker runs, writes it into every release record at once; while a broker
     * runs (with or without the identity, which its lock makes useless), waits until every release record holds it
     * ({@link RecordedRevocation}), which the broker does within a fraction of a second ({@link RevocationWatch}). A
     * state directory with no record yet has nothing to wait for: the revocation is only asked, and the broker records
     * it when it opens a record.
     *
     * @param identity the broker's secret identity, or null to leave the recording to the broker
     * @param wait     how long to wait for a running broker to record it
     */
    public static Recorded revoke(BrokerState state, Identity identity, String instanceHex, Clock clock, Duration wait)
            throws IOException, ProtocolException {
        Revocations.add(state.files(), state.revoked(), instanceHex);
        if (identity == null) {
            return StoppedBrokerRevocation.running(state) ? recordedByTheRunningBroker(state, instanceHex, wait)
                    : Recorded.AT_THE_NEXT_START;
        }
        try {
            return StoppedBrokerRevocation.record(state, identity, instanceHex, clock) ? Recorded.NOW : Recorded.AT_THE_NEXT_START;
        } catch (StoppedBrokerRevocation.BrokerRunning running) {
            return recordedByTheRunningBroker(state, instanceHex, wait);
        }
    }

    private static Recorded recordedByTheRunningBroker(BrokerState state, String instanceHex, Duration wait) {
        return RecordedRevocation.awaitInEveryRecord(state, instanceHex, wait) ? Recorded.BY_THE_RUNNING_BROKER
                : Recorded.ASKED_NOT_RECORDED;
    }

    /** Creates a master key for the data-key service; an existing one is never replaced. */
    public static void createMasterKey(BrokerState state, String id) throws IOException {
        MasterKeys.create(state.files(), state.masterKeys(), id);
    }

    /** Creates a master key that serves only the contracts {@code contractHashes} (lowercase hex). */
    public static void createMasterKey(BrokerState state, String id, List<String> contractHashes) throws IOException {
        MasterKeys.create(state.files(), state.masterKeys(), id, contractHashes);
    }
}
