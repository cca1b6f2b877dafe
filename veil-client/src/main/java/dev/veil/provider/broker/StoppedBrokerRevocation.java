package dev.veil.provider.broker;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code veil broker revoke --identity}: a revocation written straight into every release record of a stopped broker,
 * signed with its identity, so it is protected by the records' kept heads from that moment instead of waiting in the
 * {@code revoked} file (which whoever can write the state volume could delete) until the broker's next start. Each
 * record is opened as the broker opens it (verified, checked against its kept head), under the state directory's lock,
 * so a broker that is running refuses this and records the revocation itself ({@link RevocationWatch}), which
 * {@link ReleaseAudit#revoke} then waits for.
 */
final class StoppedBrokerRevocation {
    private StoppedBrokerRevocation() {
    }

    /**
     * Records the revocation (null: every release) in every record of the state directory.
     *
     * @return whether any record holds it now (false for a state directory no broker has started on: its first start
     *         records it)
     * @throws BrokerRunning when a broker holds the state directory
     */
    static boolean record(BrokerState state, Identity identity, String instanceHex, Clock clock)
            throws IOException, ProtocolException, BrokerRunning {
        if (!Files.exists(state.dir().resolve(BrokerState.IDENTITY_FILE))) {
            return false;
        }
        if (!state.recordedIdentity().sameKeysAs(identity.publicIdentity())) {
            throw new ProtocolException("--identity is not the broker identity of --state " + state.dir() + " ("
                    + state.recordedIdentity().fingerprint() + ")");
        }
        FileLock lock;
        try {
            lock = state.lock();
        } catch (ProtocolException running) {
            throw new BrokerRunning();
        }
        try (java.nio.channels.FileChannel held = lock.channel()) {
            List<Path> files = ReleaseRecord.files(state);
            for (Path f : files) {
                byte[] contract = HexFormat.of().parseHex(f.getFileName().toString().substring(0, 64));
                try (ReleaseRecord r = ReleaseRecord.open(state, contract, identity, false)) {
                    boolean holds = instanceHex == null ? r.revocations().all() : r.revocations().instances().contains(instanceHex);
                    if (!holds) {
                        r.awaitDurable(r.writeRevocation(instanceHex, clock.instant()));
                    }
                }
            }
            return !files.isEmpty();
        }
    }

    /** Whether a broker holds the state directory now. */
    static boolean running(BrokerState state) throws IOException {
        try {
            state.lock().channel().close();
            return false;
        } catch (ProtocolException held) {
            return true;
        }
    }

    /** A broker is running on the state directory: it records the revocation itself. */
    static final class BrokerRunning extends Exception {
        BrokerRunning() {
            super("a broker is running on this state directory");
        }
    }
}
