package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.OwnerUnwrapMessages;
import dev.veil.protocol.broker.OwnerUnwrapRequest;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data provider opening its own keys through its broker ({@code /v1/owner/…}): the results' data keys an instance
 * wrapped, for the provider alone, on a fresh challenge it signs. Over loopback with the sim verifier.
 */
class OwnerUnwrapAttackTest {
    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;
    private ContractVerifier.Verified contract;

    private void start(List<ContractVerifier.Verified> contracts) throws Exception {
        broker = KeyBroker.open(BrokerFixture.DP, null, contracts.stream().map(c -> (BrokeredContract)
                new BrokeredContract.Batch(c, Role.DATA_PROVIDER)).toList(), BrokerState.open(dir.resolve("state")),
                KeyBroker.Settings.defaults(), clock, new BrokerMetrics());
        server = BrokerServer.start(broker, "127.0.0.1", 0, 4);
        wire = new BrokerWire(server.port());
        contract = contracts.get(0);
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

    private URI url() {
        return URI.create("http://127.0.0.1:" + server.port() + "/");
    }

    /** An instance released to under {@code c} wraps a results key under master key {@code id}; the wrapped text. */
    private String instanceWraps(SimInstance i, ContractVerifier.Verified c, String id, byte[] dataKey) throws Exception {
        byte[] nonce = BrokerMessages.challenge(wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(c.hashHex())).body()).nonce();
        BrokerWire.Answer released = wire.post(BrokerMessages.RELEASE, new ReleaseRequest(c.hashHex(), nonce,
                i.offer(BrokerFixture.MEASUREMENT, nonce, c.hash())));
        assertThat(released.status()).as(released.text()).isEqualTo(200);
        CallerInstance caller = new CallerInstance(c.hashHex(), i.keys);
        Hpke.Sealed sealed = Hpke.seal(KeyWrapSuite.X25519, BrokerFixture.DP.publicIdentity().keyAgreementKey(), WrapRequest.hpkeInfo(),
                WrapRequest.aad(id, caller), dataKey);
        BrokerWire.Answer a = wire.post(BrokerMessages.WRAP, wire.wrapRequest(id, caller, sealed, i::sign));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return BrokerMessages.wrapAnswer(a.body()).wrappedKey();
    }

    private byte[] ownerChallenge(String contractHex) throws Exception {
        BrokerWire.Answer a = wire.post(OwnerUnwrapMessages.CHALLENGE, new ChallengeRequest(contractHex));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return BrokerMessages.challenge(a.body()).nonce();
    }

    private OwnerUnwrapRequest signedBy(Identity who, String contractHex, byte[] nonce, String id, String wrapped, String by) {
        return new OwnerUnwrapRequest(contractHex, nonce, id, wrapped, by,
                who.sign(OwnerUnwrapRequest.signingMessage(contractHex, nonce, id, wrapped, by)));
    }

    /** The data provider gets back, through its broker, exactly the key an instance wrapped for the results. */
    @Test
    void theDataProviderOpensAnInstancesResultKeyThroughItsBroker() throws Exception {
        start(List.of(BrokerFixture.batch(2)));
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("master-keys"), "results");
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 7);
        String wrapped = instanceWraps(i, contract, "results", key);
        byte[] opened = new OwnerDataKeys(url(), BrokerFixture.DP, contract.hashHex()).unwrap("results", wrapped, i.hex());
        assertThat(opened).isEqualTo(key);
        assertThat(broker.metrics().scrape()).contains("owner_unwrap");
    }

    /**
     * Attack: the model provider (a party of the same contract, with a genuine owner challenge) asks the data provider's
     * broker to unwrap the results' key. Expected: 403 bad_signature: only the contract's data provider is served.
     */
    @Test
    void theModelProviderCannotUnwrapTheDataProvidersResultKeys() throws Exception {
        start(List.of(BrokerFixture.batch(2)));
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("master-keys"), "results");
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        String wrapped = instanceWraps(i, contract, "results", new byte[32]);
        byte[] nonce = ownerChallenge(contract.hashHex());
        BrokerWire.Answer a = wire.post(OwnerUnwrapMessages.UNWRAP, signedBy(BrokerFixture.MP, contract.hashHex(), nonce, "results",
                wrapped, i.hex()));
        assertThat(a.status()).isEqualTo(403);
        assertThat(a.text()).contains("bad_signature");
        assertThatThrownBy(() -> new OwnerDataKeys(url(), BrokerFixture.MP, contract.hashHex()).unwrap("results", wrapped, i.hex()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("bad_signature");
    }

    /**
     * Attack: whoever saw one owner unwrap on the wire (the broker listens on plain HTTP) sends the signed request again.
     * Expected: 403 stale_challenge the second time (an owner nonce is used once).
     */
    @Test
    void aReplayedOwnerUnwrapIsRefused() throws Exception {
        start(List.of(BrokerFixture.batch(2)));
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("master-keys"), "results");
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        String wrapped = instanceWraps(i, contract, "results", new byte[32]);
        OwnerUnwrapRequest r = signedBy(BrokerFixture.DP, contract.hashHex(), ownerChallenge(contract.hashHex()), "results", wrapped,
                i.hex());
        BrokerWire.Answer first = wire.post(OwnerUnwrapMessages.UNWRAP, r);
        assertThat(first.status()).as(first.text()).isEqualTo(200);
        BrokerWire.Answer again = wire.post(OwnerUnwrapMessages.UNWRAP, r);
        assertThat(again.status()).isEqualTo(403);
        assertThat(again.text()).contains("stale_challenge");
    }

    /**
     * Attack: a nonce the broker issued for an instance's release (its other challenge route) is signed into an owner
     * unwrap. Expected: 403 stale_challenge: the owner's challenges are MAC'd under a key of their own.
     */
    @Test
    void anInstanceChallengeDoesNotAnswerAnOwnerUnwrap() throws Exception {
        start(List.of(BrokerFixture.batch(2)));
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("master-keys"), "results");
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        String wrapped = instanceWraps(i, contract, "results", new byte[32]);
        byte[] instanceNonce = BrokerMessages.challenge(wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(contract.hashHex()))
                .body()).nonce();
        BrokerWire.Answer a = wire.post(OwnerUnwrapMessages.UNWRAP, signedBy(BrokerFixture.DP, contract.hashHex(), instanceNonce,
                "results", wrapped, i.hex()));
        assertThat(a.text()).contains("stale_challenge");
    }

    /**
     * Attack: under contract X, the owner's request names a master key the data provider scoped to contract Y, or a key
     * wrapped by an instance released to under Y only. Expected: 403 not_in_scope, and 403 not_released.
     */
    @Test
    void aKeyOfAnotherContractIsRefused() throws Exception {
        ContractVerifier.Verified x = BrokerFixture.batch(2);
        ContractVerifier.Verified y = BrokerFixture.batch(2);
        start(List.of(x, y));
        Path keys = dir.resolve("state").resolve("master-keys");
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), keys, "ds-x", List.of(x.hashHex()));
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), keys, "ds-y", List.of(y.hashHex()));
        SimInstance underY = new SimInstance(KeyWrapSuite.X25519);
        String ofY = instanceWraps(underY, y, "ds-y", new byte[32]);
        BrokerWire.Answer scoped = wire.post(OwnerUnwrapMessages.UNWRAP, signedBy(BrokerFixture.DP, x.hashHex(),
                ownerChallenge(x.hashHex()), "ds-y", ofY, underY.hex()));
        assertThat(scoped.status()).isEqualTo(403);
        assertThat(scoped.text()).contains("not_in_scope");
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), keys, "shared", List.of(x.hashHex(), y.hashHex()));
        String sharedByY = instanceWraps(underY, y, "shared", new byte[32]);
        BrokerWire.Answer released = wire.post(OwnerUnwrapMessages.UNWRAP, signedBy(BrokerFixture.DP, x.hashHex(),
                ownerChallenge(x.hashHex()), "shared", sharedByY, underY.hex()));
        assertThat(released.status()).isEqualTo(403);
        assertThat(released.text()).contains("not_released");
    }
}
