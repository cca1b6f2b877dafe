package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.identity.Identity;
import dev.veil.seal.AssetKey;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A revocation asked of a running broker must reach its signed records without waiting for a request, and
 * {@code veil broker revoke} must say "recorded by the running broker" only once every record holds it: whoever can
 * write the state volume removes the {@code revoked} file as soon as the broker leaves it unrecorded
 * (RevocationAskedOfARunningBrokerAttackTest). When the broker holding the state's lock records nothing (dead but
 * locked, or the file removed before it read it), revoke says so, within its wait.
 */
class RevocationRecordedWithoutARequestAttackTest {
    private static final String INSTANCE = "cd".repeat(32);

    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private KeyBroker broker;

    private BrokerState state() throws Exception {
        return BrokerState.open(dir.resolve("state"));
    }

    private void start() throws Exception {
        broker = KeyBroker.open(BrokerFixture.MP, AssetKey.generate(), List.of(new BrokeredContract.Serving(BrokerFixture.serving(3))),
                state(), KeyBroker.Settings.defaults(), clock, new BrokerMetrics());
    }

    @AfterEach
    void stop() throws Exception {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    private boolean everyRecordRevokes(BrokerState s, String instance) throws Exception {
        List<ReleaseAudit.Contract> records = ReleaseAudit.verify(s, s.recordedIdentity());
        return !records.isEmpty() && records.stream().allMatch(c -> c.revoked().instances().contains(instance));
    }

    @Test
    void revocationAskedOfAnIdleBrokerIsInItsVerifiedRecordsWithinASecondAndOutlivesTheList() throws Exception {
        start();
        BrokerState s = state();
        Revocations.add(s.files(), s.revoked(), INSTANCE);   // asked; no request reaches the broker from here on
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (!everyRecordRevokes(s, INSTANCE) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(everyRecordRevokes(s, INSTANCE)).as("the idle broker recorded the revocation within 2 s").isTrue();

        Files.delete(s.revoked());   // the state volume's operator, once the broker recorded it
        stop();
        assertThat(everyRecordRevokes(s, INSTANCE)).as("the list removed, the signed records still revoke").isTrue();
    }

    @Test
    void revokeWhileTheLockIsHeldByABrokerThatRecordsNothingSaysAskedNotRecordedWithinItsWait() throws Exception {
        start();
        stop();   // its record exists; from here on nobody records
        BrokerState s = state();
        FileLock held = s.lock();   // a broker dead but holding the lock, as revoke sees it
        try {
            for (Identity identity : new Identity[] {null, BrokerFixture.MP}) {
                long started = System.nanoTime();
                ReleaseAudit.Recorded recorded = ReleaseAudit.revoke(s, identity, INSTANCE, clock, Duration.ofMillis(500));
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                assertThat(recorded).as("with identity %s", identity).isEqualTo(ReleaseAudit.Recorded.ASKED_NOT_RECORDED);
                assertThat(took).as("revoke waited its 500 ms, not more").isBetween(Duration.ofMillis(450), Duration.ofSeconds(3));
            }
        } finally {
            held.channel().close();
        }
        assertThat(everyRecordRevokes(s, INSTANCE)).isFalse();
    }
}
