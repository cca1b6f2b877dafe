package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingContractVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review 18b. {@code veil broker revoke} against a running broker reports {@code by_the_running_broker} once every
 * record file it finds in the state's {@code releases} directory holds the revocation ({@link RecordedRevocation}). It
 * looks only at the {@code HASH.log} files present, and an empty list passes at once ("a state directory without any
 * record"). Whoever can write the state volume (the attacker revocation recording defends against) renames the served
 * contract's record aside just before the revoke: the broker keeps appending to its open channel, the kept
 * {@code HASH.head} stays in place, but the CLI sees no record and reports the revocation recorded at once, before the
 * broker has read the {@code revoked} file. The attacker then removes the {@code revoked} file before the watch's next
 * tick (150 ms; inotify wins that race) and renames the record back: the broker never recorded anything, yet the operator
 * was told it had, exit 0. The same holds for any served record the CLI cannot see at its place.
 *
 * <p>Why it matters: {@code by_the_running_broker} is the operator's only assurance that a compromised instance is cut
 * off for good; here it is given on the evidence of an empty directory.
 *
 * <p>Fix: never take "no record found" as "recorded" while a broker runs: a kept {@code HASH.head} (or the broker's
 * list of served contracts, e.g. written beside the lock at start) names a record that must be present and hold the
 * leaf; a head without its log, or a served contract without a record, is "not yet" (and at the deadline
 * {@code asked_not_recorded}).
 */
class RevocationReportedOverRecordsMovedAsideAttackTest {
    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private ServingContractVerifier.Verified contract;
    private LoopbackServingBroker broker;

    @AfterEach
    void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void revokeReportsRecordedByTheRunningBrokerWhenTheServedRecordWasRenamedAside() throws Exception {
        contract = BrokerFixture.serving(3);
        broker = new LoopbackServingBroker(dir.resolve("state"), contract, clock).start();
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        assertThat(broker.release(compromised).status()).isEqualTo(200);

        BrokerState state = BrokerState.existing(dir.resolve("state"));
        Path record = ReleaseRecord.files(state).get(0);
        Path aside = record.resolveSibling("aside");
        Files.move(record, aside);   // the state volume's operator, just before the revoke
        assertThat(ReleaseRecord.headFile(state, contract.hashHex())).exists();   // the broker's kept head names the record

        long start = System.nanoTime();
        ReleaseAudit.Recorded recorded = ReleaseAudit.revoke(state, BrokerFixture.MP, compromised.hex(), clock,
                Duration.ofSeconds(1));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(recorded).as("revoke with the served contract's record renamed aside (its kept head still in place) "
                + "reported %s after %d ms: it found no record file and took that as every record holding the revocation",
                recorded, tookMillis).isEqualTo(ReleaseAudit.Recorded.ASKED_NOT_RECORDED);
    }
}
