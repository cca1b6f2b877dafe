package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.seal.AssetKey;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacker's review (issue 9): hostile bodies against the broker over real sockets. These attacks hold; the tests stay
 * as regression tests.
 */
class KeyBrokerInputAttackTest {
    private static final int WORKERS = 2;
    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private ServingContractVerifier.Verified contract;
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;

    @BeforeEach
    void start() throws Exception {
        contract = BrokerFixture.serving(3);
        broker = KeyBroker.open(BrokerFixture.MP, AssetKey.generate(), List.of(new BrokeredContract.Serving(contract)),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults(), clock, new BrokerMetrics());
        server = BrokerServer.start(broker, "127.0.0.1", 0, WORKERS);
        wire = new BrokerWire(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        broker.close();
    }

    /**
     * Attack: a release body of 500,000 nested arrays (under the route's 1 MiB bound), hoping the parser recurses until
     * the worker thread's stack overflows, or that it is read before its size is checked. Expected and found: 400
     * bad_request, and the broker goes on releasing to a genuine instance.
     */
    @Test
    void deeplyNestedJsonIsRefusedAndTheBrokerStaysUp() throws Exception {
        int depth = 500_000;
        byte[] body = ("{\"contract_hash\":" + "[".repeat(depth) + "]".repeat(depth) + "}").getBytes(StandardCharsets.US_ASCII);
        BrokerWire.Answer a = wire.postRaw(BrokerMessages.RELEASE, body);
        assertThat(a.status()).as(a.text()).isEqualTo(400);
        assertThat(a.text()).contains("bad_request");
        assertGenuineInstanceIsReleased();
    }

    /**
     * Attack: more clients than there are workers each start a release body and stop sending (a slow-body attack),
     * hoping to hold every worker thread. Expected and found: bodies are read without a worker (and dropped after the
     * body deadline), so a genuine instance is answered while they hang.
     */
    @Test
    void slowBodiesDoNotHoldTheWorkers() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < WORKERS * 8; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                OutputStream out = s.getOutputStream();
                out.write(("POST " + BrokerMessages.RELEASE + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100000\r\n\r\n{\"contract_hash\":").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                slow.add(s);
            }
            assertGenuineInstanceIsReleased();
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    private void assertGenuineInstanceIsReleased() throws Exception {
        BrokerWire.Answer c = wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(contract.hashHex()));
        assertThat(c.status()).as(c.text()).isEqualTo(200);
        byte[] nonce = BrokerMessages.challenge(c.body()).nonce();
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        BrokerWire.Answer r = wire.post(BrokerMessages.RELEASE, new ReleaseRequest(contract.hashHex(), nonce,
                i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash())));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
    }
}
