package dev.veil.provider.broker;

import dev.veil.protocol.broker.ReleaseLogEntry;
import dev.veil.protocol.broker.RevocationLeaf;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * Whether a running broker has recorded a revocation asked in its {@code revoked} file, read from outside it: the
 * release record of every contract the broker stated it serves ({@link ServedContracts}), verified against the broker's
 * recorded identity, holds the revocation's leaf,
 * and the head the broker kept beside the record (replaced only after its fsync) covers that leaf. Only then is the
 * revocation out of reach of whoever can write the state volume: removing the file revokes nothing less, and cutting
 * the leaf stops the broker at its start (B5, B6). The broker appends while this reads, so a record that does not
 * verify, a kept head not yet past the leaf, or a file being replaced is "not yet", and is read again.
 */
final class RecordedRevocation {
    /** How often the records are read again while waiting. */
    private static final Duration POLL = Duration.ofMillis(50);

    private RecordedRevocation() {
    }

    /**
     * Waits until the record of every contract the running broker serves ({@link ServedContracts}) holds the revocation
     * of {@code instanceHex} (null: every release), or {@code timeout} passed.
     */
    static boolean awaitInEveryRecord(BrokerState state, String instanceHex, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (inEveryRecord(state, instanceHex)) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(POLL.toMillis(), left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private static boolean inEveryRecord(BrokerState state, String instanceHex) {
        try {
            PublicIdentity broker = state.recordedIdentity();
            // the records of the contracts the running broker serves (ServedContracts), each of which must be there: a
            // record missing, renamed aside or not yet written is "not yet", never "nothing to wait for"
            for (String contract : ServedContracts.read(state, broker)) {
                Path f = ReleaseRecord.file(state, contract);
                List<ReleaseLogEntry> entries = ReleaseRecord.verify(f, HexFormat.of().parseHex(contract), broker);
                if (!durablyHolds(entries, ReleaseRecord.readHead(ReleaseRecord.headFile(state, contract)), instanceHex)) {
                    return false;
                }
            }
            return true;
        } catch (IOException | ProtocolException | RuntimeException notYet) {
            return false;
        }
    }

    /** Whether a leaf revoking {@code instanceHex} is in {@code entries} at a place the kept head covers, on its history. */
    private static boolean durablyHolds(List<ReleaseLogEntry> entries, ReleaseRecord.Kept kept, String instanceHex) {
        if (kept == null || kept.size() == 0 || kept.size() > entries.size()
                || !MessageDigest.isEqual(entries.get((int) kept.size() - 1).head().head().rootHash(), kept.root())) {
            return false;
        }
        for (int i = 0; i < kept.size(); i++) {
            RevocationLeaf r = entries.get(i).revocation();
            if (r != null && (instanceHex == null ? r.all() : instanceHex.equals(r.instanceKeys()))) {
                return true;
            }
        }
        return false;
    }
}
