package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.broker.UnwrapRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.seal.AssetKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's answers to review 9, beyond the reviewer's own tests: master-key scopes, the kept head of the release
 * record and its explicit repair, and challenges on a clock set back. Over loopback with the sim verifier.
 */
class KeyBrokerScopeAndRollbackTest {
    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private final AssetKey modelKey = AssetKey.generate();
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;

    private Path state() {
        return dir.resolve("state");
    }

    private void start(AssetKey key, List<BrokeredContract> contracts, KeyBroker.Settings settings) throws Exception {
        stop();
        broker = KeyBroker.open(key == null ? BrokerFixture.DP : BrokerFixture.MP, key, contracts, BrokerState.open(state()), settings,
                clock, new BrokerMetrics());
        server = BrokerServer.start(broker, "127.0.0.1", 0, 4);
        wire = new BrokerWire(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    private byte[] challenge(String contractHex) throws Exception {
        BrokerWire.Answer a = wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(contractHex));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return BrokerMessages.challenge(a.body()).nonce();
    }

    private BrokerWire.Answer releaseTo(SimInstance i, byte[] contractHash) throws Exception {
        String hex = HexFormat.of().formatHex(contractHash);
        byte[] nonce = challenge(hex);
        return wire.post(BrokerMessages.RELEASE, new ReleaseRequest(hex, nonce, i.offer(BrokerFixture.MEASUREMENT, nonce, contractHash)));
    }

    private BrokerWire.Answer unwrap(SimInstance i, String contractHex, String id, String wrapped) throws Exception {
        CallerInstance caller = new CallerInstance(contractHex, i.keys);
        return wire.post(BrokerMessages.UNWRAP, wire.unwrapRequest(id, wrapped, caller, i::sign));
    }

    private String providerWraps(String id) throws Exception {
        Hpke.Sealed sealed = Hpke.seal(KeyWrapSuite.X25519, BrokerFixture.DP.publicIdentity().keyAgreementKey(), WrapRequest.hpkeInfo(),
                WrapRequest.aad(id, null), new byte[16]);
        BrokerWire.Answer a = wire.post(BrokerMessages.WRAP, wire.wrapRequest(id, null, sealed, BrokerFixture.DP::sign));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return BrokerMessages.wrapAnswer(a.body()).wrappedKey();
    }

    /**
     * Attack: an instance admitted under contract X asks for the data keys of a master key the data provider scoped to
     * contract Y. Expected: 403 not_in_scope; an instance of Y is served.
     */
    @Test
    void masterKeyScopedToAnotherContractIsRefusedAndServesItsOwn() throws Exception {
        ContractVerifier.Verified x = BrokerFixture.batch(2);
        ContractVerifier.Verified y = BrokerFixture.batch(2);
        start(null, List.of(new BrokeredContract.Batch(x, Role.DATA_PROVIDER), new BrokeredContract.Batch(y, Role.DATA_PROVIDER)),
                KeyBroker.Settings.defaults());
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), state().resolve("master-keys"), "ds-y", List.of(y.hashHex()));
        String wrapped = providerWraps("ds-y");
        SimInstance underX = new SimInstance(KeyWrapSuite.X25519);
        SimInstance underY = new SimInstance(KeyWrapSuite.X25519);
        assertThat(releaseTo(underX, x.hash()).status()).isEqualTo(200);
        assertThat(releaseTo(underY, y.hash()).status()).isEqualTo(200);
        assertThat(unwrap(underX, x.hashHex(), "ds-y", wrapped).text()).contains("not_in_scope");
        BrokerWire.Answer ok = unwrap(underY, y.hashHex(), "ds-y", wrapped);
        assertThat(ok.status()).as(ok.text()).isEqualTo(200);
    }

    /**
     * Attack: whoever can write the state removes the head kept beside the record (to cut the record back unnoticed).
     * Expected: a record with releases but no kept head does not start (the head is what a cut is checked against).
     */
    @Test
    void recordWhoseKeptHeadWasRemovedDoesNotStart() throws Exception {
        ServingContractVerifier.Verified c = BrokerFixture.serving(2);
        start(modelKey, List.of(new BrokeredContract.Serving(c)), KeyBroker.Settings.defaults());
        assertThat(releaseTo(new SimInstance(KeyWrapSuite.X25519), c.hash()).status()).isEqualTo(200);
        stop();
        Files.delete(ReleaseRecord.headFile(BrokerState.existing(state()), c.hashHex()));
        assertThatThrownBy(() -> start(modelKey, List.of(new BrokeredContract.Serving(c)), KeyBroker.Settings.defaults()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("--accept-record-rollback");
    }

    /**
     * The operator's explicit repair: a record cut back starts with --accept-record-rollback (and only with it), counts
     * what the record holds from then on, and keeps the new head, so the next start needs no repair.
     */
    @Test
    void recordCutBackStartsOnlyWithTheExplicitRepair() throws Exception {
        ServingContractVerifier.Verified c = BrokerFixture.serving(2);
        start(modelKey, List.of(new BrokeredContract.Serving(c)), KeyBroker.Settings.defaults());
        assertThat(releaseTo(new SimInstance(KeyWrapSuite.X25519), c.hash()).status()).isEqualTo(200);
        assertThat(releaseTo(new SimInstance(KeyWrapSuite.X25519), c.hash()).status()).isEqualTo(200);
        stop();
        Path record = ReleaseRecord.file(BrokerState.existing(state()), c.hashHex());
        String lines = Files.readString(record);
        Files.writeString(record, lines.substring(0, lines.indexOf('\n') + 1));   // the second release cut off
        assertThatThrownBy(() -> start(modelKey, List.of(new BrokeredContract.Serving(c)), KeyBroker.Settings.defaults()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("fewer than the 2");
        start(modelKey, List.of(new BrokeredContract.Serving(c)), KeyBroker.Settings.defaults().withRecordRollbackAccepted());
        stop();
        start(modelKey, List.of(new BrokeredContract.Serving(c)), KeyBroker.Settings.defaults());
        assertThat(ReleaseRecord.read(record)).hasSize(1);
    }

    /**
     * Attack: the broker's host withholds an instance's evidence past the challenge's 60 s, then sets the broker's clock
     * back and delivers it. Expected: still stale_challenge (the broker's time never runs backwards).
     */
    @Test
    void expiredChallengeStaysExpiredWhenTheClockIsSetBack() throws Exception {
        ServingContractVerifier.Verified c = BrokerFixture.serving(2);
        start(modelKey, List.of(new BrokeredContract.Serving(c)), KeyBroker.Settings.defaults());
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = challenge(c.hashHex());
        clock.advance(KeyBroker.CHALLENGE_LIFETIME.plusSeconds(1));
        ReleaseRequest late = new ReleaseRequest(c.hashHex(), nonce, i.offer(BrokerFixture.MEASUREMENT, nonce, c.hash()));
        assertThat(wire.post(BrokerMessages.RELEASE, late).text()).contains("stale_challenge");
        clock.advance(Duration.ofSeconds(-30));   // back to within the lifetime, as the broker's wall clock reads
        assertThat(wire.post(BrokerMessages.RELEASE, late).text()).contains("stale_challenge");
    }

    /**
     * Attack: a stranger holds a genuine challenge for contract X and answers it under contract Y of the same broker.
     * Expected: stale_challenge (the nonce's MAC covers the contract it was issued for).
     */
    @Test
    void challengeIssuedForOneContractIsRefusedUnderAnother() throws Exception {
        ContractVerifier.Verified x = BrokerFixture.batch(2);
        ContractVerifier.Verified y = BrokerFixture.batch(2);
        start(null, List.of(new BrokeredContract.Batch(x, Role.DATA_PROVIDER), new BrokeredContract.Batch(y, Role.DATA_PROVIDER)),
                KeyBroker.Settings.defaults());
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] forX = challenge(x.hashHex());
        assertThat(wire.post(BrokerMessages.RELEASE, new ReleaseRequest(y.hashHex(), forX, i.offer(BrokerFixture.MEASUREMENT, forX,
                y.hash()))).text()).contains("stale_challenge");
    }
}
