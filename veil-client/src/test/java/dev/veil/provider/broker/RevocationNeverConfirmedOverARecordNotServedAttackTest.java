package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingContractVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review 18b. {@code veil broker revoke} against a running broker waits until every {@code HASH.log} in the state's
 * {@code releases} directory holds the revocation ({@link RecordedRevocation}), not every record the broker serves. A
 * state directory keeps the record of a contract the broker no longer serves (its contract expired, or was taken out of
 * {@code veil broker --contract}; records are never deleted, they are the audit trail): the running broker never writes
 * into it, so every revoke waits its full time and reports {@code asked_not_recorded}, exit 2, although the broker
 * recorded the revocation in every record it serves within 150 ms. A revocation that is always reported as failed
 * teaches the operator to ignore the one report meant to say that it failed (RevocationReportedOverRecordsMovedAside-
 * AttackTest shows the report failing the other way, over records it cannot see).
 *
 * <p>Why it matters: the operator cannot tell a revocation a hostile state volume defeated from a normal one.
 *
 * <p>Fix: wait on the records the running broker serves, named by the broker itself (e.g. the contract hashes it
 * writes beside its lock at start), each required present and holding the leaf; records of other contracts are
 * irrelevant to the running broker (it carries revocations into them when it next serves them).
 */
class RevocationNeverConfirmedOverARecordNotServedAttackTest {
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
    void revokeIsNeverReportedRecordedWhileTheStateHoldsTheRecordOfAContractNoLongerServed() throws Exception {
        ServingContractVerifier.Verified retired = BrokerFixture.serving(2);
        contract = BrokerFixture.serving(3);
        broker = new LoopbackServingBroker(dir.resolve("state"), contract, clock).start(retired);
        broker.start();   // the retired contract is taken out of the broker's --contract list
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        assertThat(broker.release(compromised).status()).isEqualTo(200);

        BrokerState state = BrokerState.existing(dir.resolve("state"));
        ReleaseAudit.Recorded recorded = ReleaseAudit.revoke(state, BrokerFixture.MP, compromised.hex(), clock,
                Duration.ofSeconds(2));

        java.util.List<dev.veil.protocol.broker.ReleaseLogEntry> served = ReleaseRecord.verify(
                state.releases().resolve(contract.hashHex() + ".log"), contract.hash(), BrokerFixture.MP.publicIdentity());
        assertThat(served).as("the running broker recorded the revocation in the record it serves")
                .anyMatch(e -> e.revocation() != null && compromised.hex().equals(e.revocation().instanceKeys()));
        assertThat(Files.exists(state.releases().resolve(retired.hashHex() + ".log"))).isTrue();
        assertThat(recorded).as("revoke against a running broker that recorded the revocation in the one record it serves, "
                + "with the record of a contract it no longer serves beside it").isEqualTo(ReleaseAudit.Recorded.BY_THE_RUNNING_BROKER);
    }
}
