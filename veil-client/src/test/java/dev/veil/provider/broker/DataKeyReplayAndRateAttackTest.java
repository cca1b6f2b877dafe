package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.DataKeyChallengeRequest;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.broker.UnwrapRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-key service's freshness and rate ({@link DataKeyGate}), over loopback with the sim verifier: a captured wrap
 * or unwrap is never served twice, nor late, nor with another route's nonce; one instance, the provider or all callers
 * together get no more than their rate, and a stranger spends nobody's.
 */
class DataKeyReplayAndRateAttackTest {
    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;
    private ContractVerifier.Verified contract;

    private void start(DataKeyLimits limits) throws Exception {
        contract = BrokerFixture.batch(8);
        broker = KeyBroker.open(BrokerFixture.DP, null, List.of(new BrokeredContract.Batch(contract, Role.DATA_PROVIDER)),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults().withDataKeyLimits(limits), clock,
                new BrokerMetrics());
        server = BrokerServer.start(broker, "127.0.0.1", 0, 4);
        wire = new BrokerWire(server.port());
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("master-keys"), "ds");
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private CallerInstance released(SimInstance i) throws Exception {
        byte[] nonce = BrokerMessages.challenge(wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(contract.hashHex())).body()).nonce();
        BrokerWire.Answer a = wire.post(BrokerMessages.RELEASE, new ReleaseRequest(contract.hashHex(), nonce,
                i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash())));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return new CallerInstance(contract.hashHex(), i.keys);
    }

    private WrapRequest wrapRequest(CallerInstance caller, BrokerWire.Signer signer) throws Exception {
        Hpke.Sealed sealed = Hpke.seal(KeyWrapSuite.X25519, BrokerFixture.DP.publicIdentity().keyAgreementKey(), WrapRequest.hpkeInfo(),
                WrapRequest.aad("ds", caller), new byte[16]);
        return wire.wrapRequest("ds", caller, sealed, signer);
    }

    private String providerWraps() throws Exception {
        BrokerWire.Answer a = wire.post(BrokerMessages.WRAP, wrapRequest(null, BrokerFixture.DP::sign));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return BrokerMessages.wrapAnswer(a.body()).wrappedKey();
    }

    private static void assertRefused(BrokerWire.Answer a, int status, String reason) {
        assertThat(a.status()).as(a.text()).isEqualTo(status);
        assertThat(a.text()).contains("\"" + reason + "\"");
    }

    /**
     * Attack: whoever saw an instance's unwrap on the wire (plain HTTP) sends the signed request again, to be answered
     * again, to make the broker redo the unwrap and seal, and to pollute its counts. Expected: 403 stale_challenge, and
     * the broker's unwrap count does not move.
     */
    @Test
    void replayedUnwrapRequestIsRefused() throws Exception {
        start(DataKeyLimits.defaults());
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        CallerInstance caller = released(i);
        String wrapped = providerWraps();
        UnwrapRequest captured = wire.unwrapRequest("ds", wrapped, caller, i::sign);
        assertThat(wire.post(BrokerMessages.UNWRAP, captured).status()).isEqualTo(200);
        String before = broker.metrics().scrape();
        assertRefused(wire.post(BrokerMessages.UNWRAP, captured), 403, "stale_challenge");
        assertThat(unwraps(broker.metrics().scrape())).isEqualTo(unwraps(before));
    }

    /** Attack: the same for an instance's wrap request. Expected: 403 stale_challenge the second time. */
    @Test
    void replayedWrapRequestIsRefused() throws Exception {
        start(DataKeyLimits.defaults());
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        WrapRequest captured = wrapRequest(released(i), i::sign);
        assertThat(wire.post(BrokerMessages.WRAP, captured).status()).isEqualTo(200);
        assertRefused(wire.post(BrokerMessages.WRAP, captured), 403, "stale_challenge");
    }

    /** Attack: the provider's own wrap request (signed by its identity), replayed. Expected: 403 stale_challenge. */
    @Test
    void replayedProviderWrapRequestIsRefused() throws Exception {
        start(DataKeyLimits.defaults());
        WrapRequest captured = wrapRequest(null, BrokerFixture.DP::sign);
        assertThat(wire.post(BrokerMessages.WRAP, captured).status()).isEqualTo(200);
        assertRefused(wire.post(BrokerMessages.WRAP, captured), 403, "stale_challenge");
    }

    /**
     * Attack: an unwrap captured and held back (never delivered), sent once its nonce's lifetime is over. Expected: 403
     * stale_challenge: the broker's freshness, not the attacker's patience, decides.
     */
    @Test
    void heldBackUnwrapRequestIsRefusedOnceStale() throws Exception {
        start(DataKeyLimits.defaults());
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        CallerInstance caller = released(i);
        UnwrapRequest held = wire.unwrapRequest("ds", providerWraps(), caller, i::sign);
        clock.advance(KeyBroker.CHALLENGE_LIFETIME.plusSeconds(1));
        assertRefused(wire.post(BrokerMessages.UNWRAP, held), 403, "stale_challenge");
    }

    /**
     * Attack: a request signed over a nonce the broker never issued for data keys: a release challenge (fresh, the
     * broker's own), or one issued for the provider used by an instance. Expected: 403 stale_challenge.
     */
    @Test
    void unwrapOverAnotherRoutesNonceIsRefused() throws Exception {
        start(DataKeyLimits.defaults());
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        CallerInstance caller = released(i);
        String wrapped = providerWraps();
        byte[] releaseNonce = BrokerMessages.challenge(wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(contract.hashHex()))
                .body()).nonce();
        byte[] providerNonce = wire.dataKeyNonce(null);
        for (byte[] nonce : List.of(releaseNonce, providerNonce)) {
            UnwrapRequest r = new UnwrapRequest("ds", wrapped, nonce, caller, i.sign(UnwrapRequest.signingMessage("ds", wrapped, nonce, caller)));
            assertRefused(wire.post(BrokerMessages.UNWRAP, r), 403, "stale_challenge");
        }
    }

    /**
     * Attack: one attested instance asks for unwraps as fast as it can, each genuine and fresh, to make the broker do
     * unbounded HPKE work. Expected: past its burst, 429 rate_limited with Retry-After; another instance is still served.
     */
    @Test
    void oneInstanceCannotExceedItsDataKeyRate() throws Exception {
        start(new DataKeyLimits(0.001, 3, 1000, 1000));
        SimInstance greedy = new SimInstance(KeyWrapSuite.X25519);
        SimInstance other = new SimInstance(KeyWrapSuite.X25519);
        CallerInstance greedyCaller = released(greedy);
        CallerInstance otherCaller = released(other);
        String wrapped = providerWraps();
        for (int n = 0; n < 3; n++) {
            assertThat(wire.post(BrokerMessages.UNWRAP, wire.unwrapRequest("ds", wrapped, greedyCaller, greedy::sign)).status()).isEqualTo(200);
        }
        HttpResponse<String> limited = rawPost(BrokerMessages.UNWRAP, wire.unwrapRequest("ds", wrapped, greedyCaller, greedy::sign));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.body()).contains("rate_limited");
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(wire.post(BrokerMessages.UNWRAP, wire.unwrapRequest("ds", wrapped, otherCaller, other::sign)).status()).isEqualTo(200);
    }

    /**
     * Attack: several attested instances (and the provider) together flood the data-key service, each within its own
     * rate. Expected: past the broker-wide burst, 429 rate_limited for everyone.
     */
    @Test
    void allCallersTogetherCannotExceedTheBrokersDataKeyRate() throws Exception {
        start(new DataKeyLimits(1000, 1000, 0.001, 4));
        String wrapped = providerWraps();
        int served = 1;
        int limited = 0;
        for (int n = 0; n < 3; n++) {
            SimInstance i = new SimInstance(KeyWrapSuite.X25519);
            CallerInstance caller = released(i);
            for (int k = 0; k < 2; k++) {
                int status = wire.post(BrokerMessages.UNWRAP, wire.unwrapRequest("ds", wrapped, caller, i::sign)).status();
                if (status == 200) {
                    served++;
                } else {
                    assertThat(status).isEqualTo(429);
                    limited++;
                }
            }
        }
        assertThat(served).isEqualTo(4);
        assertThat(limited).isEqualTo(3);
        assertRefused(wire.post(BrokerMessages.WRAP, wrapRequest(null, BrokerFixture.DP::sign)), 429, "rate_limited");
    }

    /**
     * Attack: a stranger names a released instance and sends unwraps it cannot sign, to use up that instance's rate (or
     * the broker's) so the genuine instance is refused. Expected: each is 403 bad_signature and charges nothing: the
     * instance is then served its whole burst.
     */
    @Test
    void strangerCannotSpendAnInstancesDataKeyRate() throws Exception {
        start(new DataKeyLimits(0.001, 2, 0.001, 2));
        SimInstance genuine = new SimInstance(KeyWrapSuite.X25519);
        SimInstance stranger = new SimInstance(KeyWrapSuite.X25519);
        CallerInstance caller = released(genuine);
        String wrapped = new dev.veil.protocol.broker.WrappedDataKey(new byte[12], new byte[32]).text();
        for (int n = 0; n < 5; n++) {
            assertRefused(wire.post(BrokerMessages.UNWRAP, wire.unwrapRequest("ds", wrapped, caller, stranger::sign)), 403, "bad_signature");
        }
        assertRefused(wire.post(BrokerMessages.UNWRAP, wire.unwrapRequest("ds", wrapped, caller, genuine::sign)), 422, "key_does_not_open");
        assertRefused(wire.post(BrokerMessages.UNWRAP, wire.unwrapRequest("ds", wrapped, caller, genuine::sign)), 422, "key_does_not_open");
        assertRefused(wire.post(BrokerMessages.UNWRAP, wire.unwrapRequest("ds", wrapped, caller, genuine::sign)), 429, "rate_limited");
    }

    /** A data-key challenge for a contract the broker does not serve is refused; the provider's needs none. */
    @Test
    void dataKeyChallengeForAnUnknownContractIsRefused() throws Exception {
        start(DataKeyLimits.defaults());
        assertRefused(wire.post(BrokerMessages.DATA_KEY_CHALLENGE, new DataKeyChallengeRequest("ee".repeat(32))), 404, "unknown_contract");
        assertThat(wire.post(BrokerMessages.DATA_KEY_CHALLENGE, new DataKeyChallengeRequest(null)).status()).isEqualTo(200);
    }

    private HttpResponse<String> rawPost(String path, Object record) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(dev.veil.protocol.json.Json.canonical(record))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String unwraps(String scrape) {
        return scrape.lines().filter(l -> l.startsWith("veil_broker_data_keys_total") && l.contains("operation=\"unwrap\""))
                .findFirst().orElse("none");
    }
}
