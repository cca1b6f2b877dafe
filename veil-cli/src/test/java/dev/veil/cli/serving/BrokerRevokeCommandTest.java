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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code veil broker revoke} records a revocation in the broker's signed records (at once with the stopped broker's
 * identity, else by the broker), and {@code veil broker log} shows the recorded revocations, which outlive the
 * {@code revoked} file.
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
            try (KeyBroker b = broker(f); BrokerServer server = BrokerServer.start(b, "127.0.0.1", 0, 4)) {
                ModelKeyFromBroker.provision(f.enclave.instance(), URI.create("http://127.0.0.1:" + server.port() + "/"), f.sealedModel);
                CliTest.Result running = CliTest.veil("broker", "revoke", "--state", state.toString(), "--all");
                assertThat(running.code()).as(running.err()).isZero();
                assertThat(running.out()).contains("\"recorded\":\"by_the_running_broker\"");
                Files.delete(state.resolve("revoked"));   // asked, then withdrawn before the broker read it: never recorded
            }
            String instance = Digests.hex(f.enclave.instance().instanceKeys().digest());
            Path mpKey = dir.resolve("mp.key");
            IdentityFiles.writeSecret(ServingFixture.MP, mpKey);
            Path dpKey = dir.resolve("dp.key");
            IdentityFiles.writeSecret(ServingFixture.DP, dpKey);

            CliTest.Result stranger = CliTest.veil("broker", "revoke", "--state", state.toString(), "--instance", instance,
                    "--identity", dpKey.toString());
            assertThat(stranger.code()).isEqualTo(2);
            assertThat(stranger.err()).contains("not the broker identity");

            CliTest.Result now = CliTest.veil("broker", "revoke", "--state", state.toString(), "--instance", instance,
                    "--identity", mpKey.toString());
            assertThat(now.code()).as(now.err()).isZero();
            assertThat(now.out()).contains("\"recorded\":\"now\"").contains(instance);
            Files.delete(state.resolve("revoked"));

            CliTest.Result log = CliTest.veil("broker", "log", "--state", state.toString());
            assertThat(log.code()).as(log.err()).isZero();
            assertThat(log.out()).contains("\"verified\" : true").contains("\"revocations\"")
                    .contains("\"revoked\" : \"" + instance + "\"").doesNotContain("\"revoked\" : \"all\"");
        }
    }
}
