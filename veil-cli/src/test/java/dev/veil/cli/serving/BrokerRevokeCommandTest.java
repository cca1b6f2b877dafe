package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.CliTest;
import dev.veil.enclave.broker.ModelKeyFromBroker;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Digests;
import dev.veil.provider.broker.BrokerMetrics;
import dev.veil.provider.broker.BrokerServer;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.BrokeredContract;
import dev.veil.provider.broker.KeyBroker;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code veil broker revoke} records a revocation in the broker's signed records (at once with the stopped broker's
 * identity, else by the broker, and then says so only once every record holds it), and {@code veil broker log} shows
 * the recorded revocations, which outlive the {@code revoked} file.
 */
class BrokerRevokeCommandTest {
    @TempDir
    Path dir;

    private KeyBroker broker(ServingFixture f) throws Exception {
        return KeyBroker.open(ServingFixture.MP, f.modelKey, List.of(new BrokeredContract.Serving(f.contract)),
                BrokerState.open(dir.resolve("broker")), KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
    }

    @Test
    void revokeRecordsInTheSignedRecordAndLogShowsItAfterTheListIsGone() throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            Path state = dir.resolve("broker");
            String instance = Digests.hex(f.enclave.instance().instanceKeys().digest());
            try (KeyBroker b = broker(f); BrokerServer server = BrokerServer.start(b, "127.0.0.1", 0, 4)) {
                ModelKeyFromBroker.provision(f.enclave.instance(), URI.create("http://127.0.0.1:" + server.port() + "/"), f.sealedModel);
                CliTest.Result running = CliTest.veil("broker", "revoke", "--state", state.toString(), "--instance", instance,
                        "--wait-seconds", "5");
                assertThat(running.code()).as(running.err()).isZero();
                assertThat(running.out()).contains("\"recorded\":\"by_the_running_broker\"");
                Files.delete(state.resolve("revoked"));   // reported recorded: the list is no longer needed
            }
            Path mpKey = dir.resolve("mp.key");
            IdentityFiles.writeSecret(ServingFixture.MP, mpKey);
            Path dpKey = dir.resolve("dp.key");
            IdentityFiles.writeSecret(ServingFixture.DP, dpKey);

            CliTest.Result stranger = CliTest.veil("broker", "revoke", "--state", state.toString(), "--all",
                    "--identity", dpKey.toString());
            assertThat(stranger.code()).isEqualTo(2);
            assertThat(stranger.err()).contains("not the broker identity");

            CliTest.Result now = CliTest.veil("broker", "revoke", "--state", state.toString(), "--all",
                    "--identity", mpKey.toString());
            assertThat(now.code()).as(now.err()).isZero();
            assertThat(now.out()).contains("\"recorded\":\"now\"").contains("\"revoked\":\"all\"");
            Files.delete(state.resolve("revoked"));

            CliTest.Result log = CliTest.veil("broker", "log", "--state", state.toString());
            assertThat(log.code()).as(log.err()).isZero();
            assertThat(log.out()).contains("\"verified\" : true").contains("\"revocations\"")
                    .contains("\"revoked\" : \"" + instance + "\"").contains("\"revoked\" : \"all\"");
        }
    }

    /**
     * Attack: the broker holding --state records nothing (dead but still locked, or the list removed before it read it):
     * revoke must not say recorded. It says asked_not_recorded, one line on what to check, and exits 2 after its wait.
     */
    @Test
    void revokeThatTheLockingBrokerNeverRecordsFailsAfterItsWaitInsteadOfReportingRecorded() throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            Path state = dir.resolve("broker");
            broker(f).close();   // its record exists; from here on nobody records
            try (FileChannel lock = FileChannel.open(state.resolve("lock"), StandardOpenOption.WRITE);
                 FileLock held = lock.lock()) {
                long started = System.nanoTime();
                CliTest.Result r = CliTest.veil("broker", "revoke", "--state", state.toString(), "--all", "--wait-seconds", "1");
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
                assertThat(r.code()).isEqualTo(2);
                assertThat(r.out()).contains("\"recorded\":\"asked_not_recorded\"");
                assertThat(r.err().strip().lines()).hasSize(1);
                assertThat(r.err()).contains("did not record the revocation in the record of every contract it serves within 1 s")
                        .contains("only asked in " + state.resolve("revoked"));
            }
        }
    }

    @Test
    void negativeWaitIsRefusedBeforeAnythingIsAsked() throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            Path state = dir.resolve("broker");
            broker(f).close();
            CliTest.Result r = CliTest.veil("broker", "revoke", "--state", state.toString(), "--all", "--wait-seconds", "-1");
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).contains("--wait-seconds must be 0 to 3600");
            assertThat(state.resolve("revoked")).doesNotExist();
        }
    }
}
