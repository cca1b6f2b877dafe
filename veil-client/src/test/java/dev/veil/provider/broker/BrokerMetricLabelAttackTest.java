package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.seal.AssetKey;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: requests to made-up paths, each a new string, hoping every path becomes a metric label of its own — one new
 * Prometheus series per request, growing the broker's memory and its {@code /metrics} without bound (and echoing
 * whatever a caller put in a path to whoever scrapes the metrics). Expected: every unknown path is counted under one
 * fixed label.
 */
class BrokerMetricLabelAttackTest {
    @TempDir
    Path dir;
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;

    @BeforeEach
    void start() throws Exception {
        broker = KeyBroker.open(BrokerFixture.MP, AssetKey.generate(), List.of(new BrokeredContract.Serving(BrokerFixture.serving(3))),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults(), new BrokerFixture.SettableClock(), new BrokerMetrics());
        server = BrokerServer.start(broker, "127.0.0.1", 0, 2);
        wire = new BrokerWire(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        broker.close();
    }

    @Test
    void madeUpPathsCannotMintMetricLabels() throws Exception {
        for (int i = 0; i < 20; i++) {
            assertThat(wire.get("made-up-path-" + i).status()).isEqualTo(404);
        }
        String metrics = wire.get("metrics").text();
        assertThat(metrics).doesNotContain("made-up-path");
        assertThat(metrics).contains("route=\"" + BrokerServer.UNKNOWN_ROUTE_LABEL + "\"");
    }
}
