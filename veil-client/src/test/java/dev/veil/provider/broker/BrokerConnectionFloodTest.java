package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.seal.AssetKey;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Slowloris that resets every idle timeout: the broker still makes room for a genuine instance. */
class BrokerConnectionFloodTest {
    @TempDir
    Path dir;

    /**
     * Attack: a stranger opens {@link BrokerServer#MAX_CONNECTIONS} connections and drips a header byte on each every
     * second, so no idle timeout (not even the flood's 2 s) ever fires and the acceptor stays paused. Expected: a genuine
     * instance's challenge is still answered within half the broker's idle timeout (connections older than
     * {@link ConnectionFloodGuard#MAX_AGE} are closed during a flood).
     */
    @Test
    void drippingHeaderBytesOnEveryConnectionCannotLockOutAGenuineInstance() throws Exception {
        ServingContractVerifier.Verified c = BrokerFixture.serving(2);
        BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
        List<Socket> drip = new ArrayList<>();
        ScheduledExecutorService dripper = Executors.newSingleThreadScheduledExecutor();
        try (KeyBroker broker = KeyBroker.open(BrokerFixture.MP, AssetKey.generate(), List.of(new BrokeredContract.Serving(c)),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults(), clock, new BrokerMetrics());
             BrokerServer server = BrokerServer.start(broker, "127.0.0.1", 0, 4)) {
            for (int i = 0; i < BrokerServer.MAX_CONNECTIONS; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.getOutputStream().write("POST /v1/challenge HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                drip.add(s);
            }
            CountDownLatch settled = new CountDownLatch(5);   // five rounds of drips: well past the flood's 2 s idle timeout
            dripper.scheduleWithFixedDelay(() -> {
                for (Socket s : drip) {
                    try {
                        s.getOutputStream().write('X');
                    } catch (IOException closedByTheBroker) {
                        // what the broker should do to it
                    }
                }
                settled.countDown();
            }, 0, 1, TimeUnit.SECONDS);
            settled.await();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + BrokerMessages.CHALLENGE))
                    .timeout(BrokerServer.IDLE_TIMEOUT.dividedBy(2))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.canonical(new ChallengeRequest(c.hashHex()))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        } finally {
            dripper.shutdownNow();
            for (Socket s : drip) {
                s.close();
            }
        }
    }
}
