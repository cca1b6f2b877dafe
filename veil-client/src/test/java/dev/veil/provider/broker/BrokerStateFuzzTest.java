package dev.veil.provider.broker;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.protocol.broker.ReleaseLogEntry;
import dev.veil.protocol.broker.WrappedDataKey;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

/**
 * The key broker's state files, which whoever holds the state volume can rewrite, read the way the broker and
 * {@code veil broker revoke}/{@code log} read them: the served-contracts statement, verified against the broker's
 * identity; a contract's release record with the head kept beside it, verified offline and then opened as at the
 * broker's start (and, when the broker would start on it, continued with a revocation that must still verify); the
 * revocation list, as the running broker reads it and as {@code revoke} adds to it; a master key with its scope, then
 * a wrapped data key opened under it. Each ends in a value or the documented checked exception (ProtocolException,
 * IOException, BrokerRefusal). Genuine seeds from {@link BrokerStateSeeds}; JAZZER_FUZZ=1 or ./fuzz fuzzes
 * (docs/FUZZING.md).
 */
class BrokerStateFuzzTest {
    private static final BrokerState SERVED = BrokerStateFuzzFixture.freshState("served");
    private static final BrokerState RECORD = BrokerStateFuzzFixture.freshState("record");
    private static final BrokerState REVOKED = BrokerStateFuzzFixture.freshState("revoked");
    private static final BrokerState KEYS = BrokerStateFuzzFixture.freshState("master-keys");
    /** When the seeds' record was written: what the broker continuing it appends at. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T12:00:00Z"), ZoneOffset.UTC);

    /** {@code served.json}, verified against the broker of the state directory as {@code veil broker revoke} does. */
    @FuzzTest(maxDuration = "5s")
    void servedContractsThenVerify(byte[] served) throws IOException {
        BrokerStateFuzzFixture.put(SERVED.dir().resolve(ServedContracts.FILE), served);
        try {
            ServedContracts.read(SERVED, BrokerStateFuzzFixture.BROKER_PUBLIC);
        } catch (ProtocolException expected) {
            // refused with a reason
        }
    }

    /**
     * {@code releases/HASH.log}, then a NUL and {@code releases/HASH.head} (no NUL: no head file): read and verified
     * offline ({@code veil broker log}), then opened as the broker opens it at start, and on refusal as the operator's
     * {@code --accept-record-rollback} opens it. A record the broker starts on must stay verifiable after it appends.
     */
    @FuzzTest(maxDuration = "5s")
    void releaseRecordThenOpen(byte[] input) throws IOException {
        int nul = indexOf(input, (byte) 0);
        byte[] log = nul < 0 ? input : Arrays.copyOfRange(input, 0, nul);
        byte[] head = nul < 0 ? null : Arrays.copyOfRange(input, nul + 1, input.length);
        String hex = dev.veil.protocol.json.Digests.hex(BrokerStateFuzzFixture.CONTRACT);
        Path logFile = ReleaseRecord.file(RECORD, hex);
        Path headFile = ReleaseRecord.headFile(RECORD, hex);
        BrokerStateFuzzFixture.put(logFile, log);
        BrokerStateFuzzFixture.put(headFile, head);
        try {
            ReleaseRecord.verify(logFile, BrokerStateFuzzFixture.CONTRACT, BrokerStateFuzzFixture.BROKER_PUBLIC);
        } catch (ProtocolException expected) {
            // refused with a reason
        }
        try {
            ReleaseRecord.readHead(headFile);
        } catch (ProtocolException expected) {
            // refused with a reason
        }
        try {
            startOn(false);
        } catch (ProtocolException refused) {
            BrokerStateFuzzFixture.put(logFile, log);
            BrokerStateFuzzFixture.put(headFile, head);
            try {
                startOn(true);
            } catch (ProtocolException expected) {
                // refused with a reason even as a repair
            }
        }
    }

    private static void startOn(boolean acceptRollback) throws IOException, ProtocolException {
        String hex = dev.veil.protocol.json.Digests.hex(BrokerStateFuzzFixture.CONTRACT);
        try (ReleaseRecord r = ReleaseRecord.open(RECORD, BrokerStateFuzzFixture.CONTRACT, BrokerStateFuzzFixture.BROKER,
                acceptRollback)) {
            r.revocations();
            r.awaitDurable(r.writeRevocation(BrokerStateFuzzFixture.INSTANCE, CLOCK.instant()));
        }
        List<ReleaseLogEntry> after;
        try {
            after = ReleaseRecord.verify(ReleaseRecord.file(RECORD, hex), BrokerStateFuzzFixture.CONTRACT,
                    BrokerStateFuzzFixture.BROKER_PUBLIC);
        } catch (ProtocolException e) {
            throw new AssertionError("the broker started on a record and appended to it, and the record no longer verifies", e);
        }
        ReleaseRecord.Kept kept = ReleaseRecord.readHead(ReleaseRecord.headFile(RECORD, hex));
        if (kept == null || kept.size() != after.size()) {
            throw new AssertionError("the head kept beside the record does not cover what the broker appended");
        }
    }

    /**
     * The {@code revoked} file, read as the running broker reads it (never an exception: what does not parse revokes
     * everything), then added to by {@code veil broker revoke} with no broker running; once added, it must revoke.
     */
    @FuzzTest(maxDuration = "5s")
    void revocationList(byte[] revoked) throws IOException {
        Path file = REVOKED.revoked();
        BrokerStateFuzzFixture.put(file, revoked);
        new Revocations(file).current();   // the running broker's reading: a list that does not parse revokes everything
        try {
            ReleaseAudit.revoke(REVOKED, null, BrokerStateFuzzFixture.INSTANCE, CLOCK, Duration.ZERO);
        } catch (IOException | ProtocolException expected) {
            return;   // refused with a reason (a damaged list: a FileSystemException naming it)
        }
        if (!new Revocations(file).current().revoked(BrokerStateFuzzFixture.INSTANCE)) {
            throw new AssertionError("veil broker revoke reported the revocation asked, and the list does not revoke it");
        }
    }

    /**
     * {@code master-keys/ID.key} (its length in the first byte, then its bytes) and {@code master-keys/ID.contracts}
     * (the rest; none: no scope file), read for the key's scope, then a data key the seeds wrapped opened under it.
     */
    @FuzzTest(maxDuration = "5s")
    void masterKeyFiles(byte[] input) throws IOException {
        int length = input.length == 0 ? 0 : Math.min(input[0] & 0xff, input.length - 1);
        byte[] key = input.length == 0 ? null : Arrays.copyOfRange(input, 1, 1 + length);
        byte[] scope = input.length <= 1 + length ? null : Arrays.copyOfRange(input, 1 + length, input.length);
        Path dir = KEYS.masterKeys();
        BrokerStateFuzzFixture.put(dir.resolve(BrokerStateFuzzFixture.MASTER_KEY_ID + ".key"), key);
        BrokerStateFuzzFixture.put(dir.resolve(BrokerStateFuzzFixture.MASTER_KEY_ID + ".contracts"), scope);
        MasterKeys keys = new MasterKeys(dir);
        try {
            keys.scope(BrokerStateFuzzFixture.MASTER_KEY_ID);
        } catch (IOException expected) {
            // refused with a reason
        }
        try {
            Arrays.fill(keys.unwrapProviders(BrokerStateFuzzFixture.MASTER_KEY_ID,
                    WrappedDataKey.parse(BrokerStateFuzzFixture.WRAPPED_DATA_KEY)), (byte) 0);
        } catch (BrokerRefusal | IOException expected) {
            // refused with a reason
        }
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
