package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingContractVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review 17b. {@code veil broker revoke} against a running broker writes the {@code revoked} file and reports
 * {@code "recorded": "by_the_running_broker"} at once ({@link ReleaseAudit#revoke}); but the broker rereads that file only
 * when a request reaches it (or at its stop), and only then writes the revocation into its signed records. Whoever can
 * write the state volume (the attacker {@link StoppedBrokerRevocation} names) removes the file in that window: the
 * broker, having seen the file absent before and absent again, reads "never written" (not "removed"), records nothing,
 * and goes on releasing to the revoked instance, before and after a restart. PROTOCOL.md lists this window as not
 * protected only for a revocation "asked without --identity"; here it is asked with the broker's identity, which a
 * running broker's lock makes useless ({@code StoppedBrokerRevocation.BrokerRunning}), and the output still says recorded.
 * Fix: report "recorded" only once the running broker has recorded it (the CLI waits for a revocation leaf in every
 * record, or the broker watches the file and records at once), and treat a file that was present at any point the CLI
 * can prove (e.g. a kept digest of the last list beside the records) as unremovable.
 */
class RevocationAskedOfARunningBrokerAttackTest {
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

    private void restart() throws Exception {
        if (broker == null) {
            broker = new LoopbackServingBroker(dir.resolve("state"), contract, clock);
        }
        broker.start();
    }

    @Test
    void revocationReportedRecordedByTheRunningBrokerIsUndoneByRemovingTheListBeforeItsNextRequest() throws Exception {
        contract = BrokerFixture.serving(3);
        restart();
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        assertThat(broker.release(compromised).status()).isEqualTo(200);

        BrokerState state = BrokerState.existing(dir.resolve("state"));
        ReleaseAudit.Recorded recorded = ReleaseAudit.revoke(state, BrokerFixture.MP, compromised.hex(), clock);
        assertThat(recorded).isEqualTo(ReleaseAudit.Recorded.BY_THE_RUNNING_BROKER);   // what the operator is told

        Files.delete(state.revoked());   // the state volume's operator, before the broker's next request
        BrokerWire.Answer whileRunning = broker.release(compromised);
        stop();
        restart();
        BrokerWire.Answer afterRestart = broker.release(compromised);

        assertThat(whileRunning.status()).as("a revocation reported recorded by the running broker, its list removed before the"
                + " broker's next request; the broker answered: %s", whileRunning.text()).isGreaterThanOrEqualTo(400);
        assertThat(afterRestart.status()).as("the same after a restart; the broker answered: %s", afterRestart.text())
                .isGreaterThanOrEqualTo(400);
    }
}
