package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.broker.BrokerChallenge;
import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.ReleaseAnswer;
import dev.veil.protocol.broker.ReleaseLogEntry;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.broker.UnwrapAnswer;
import dev.veil.protocol.broker.UnwrapRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.AssetKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key broker over real loopback sockets, with simulated evidence: a genuine instance gets the key, and each attack
 * on a release (named after it) is refused, with nothing recorded for it.
 */
class KeyBrokerAttackTest {
    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private final AssetKey modelKey = AssetKey.generate();
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;
    private ServingContractVerifier.Verified contract;

    private void start(Integer maxInstances) throws Exception {
        contract = BrokerFixture.serving(maxInstances);
        restart();
    }

    private void restart() throws Exception {
        stop();
        broker = KeyBroker.open(BrokerFixture.MP, modelKey, List.of(new BrokeredContract.Serving(contract)),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults(), clock, new BrokerMetrics());
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

    private byte[] challenge() throws Exception {
        BrokerWire.Answer a = wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(contract.hashHex()));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return BrokerMessages.challenge(a.body()).nonce();
    }

    private BrokerWire.Answer release(Messages.EvidenceOffer offer, byte[] nonce) throws Exception {
        return wire.post(BrokerMessages.RELEASE, new ReleaseRequest(contract.hashHex(), nonce, offer));
    }

    private ReleaseAnswer releaseTo(SimInstance i) throws Exception {
        byte[] nonce = challenge();
        Messages.EvidenceOffer offer = i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash());
        BrokerWire.Answer a = release(offer, nonce);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        ReleaseAnswer answer = BrokerMessages.releaseAnswer(a.body());
        KeyReleaseTranscript t = ReleaseAnswer.transcript(contract.hashHex(), Role.MODEL_PROVIDER, nonce, offer.enclaveNonce(),
                offer.evidence(), i.keys);
        assertThat(BrokerFixture.MP.publicIdentity().verify(ReleaseAnswer.signingMessage(t, answer.key()), answer.signature())).isTrue();
        try (AssetKey k = AssetKeyWrap.unwrap(i.keyWrap, t.hpkeInfo(), t.context(), answer.key().sealed(), 0).key()) {
            assertThat(k.id()).isEqualTo(modelKey.id());
        }
        return answer;
    }

    private void assertRefused(BrokerWire.Answer a, String reason) {
        assertThat(a.status()).as(a.text()).isGreaterThanOrEqualTo(400);
        assertThat(a.text()).contains("\"error\":\"" + reason + "\"");
    }

    /** Releases in the record (its revocation lines are not releases). */
    private long recorded() throws Exception {
        return ReleaseRecord.read(ReleaseRecord.file(BrokerState.existing(dir.resolve("state")), contract.hashHex())).stream()
                .filter(e -> e.release() != null).count();
    }

    @Test
    void genuineInstanceGetsTheModelKeyAndTheReleaseIsRecorded() throws Exception {
        start(null);
        releaseTo(new SimInstance(KeyWrapSuite.X25519));
        assertThat(recorded()).isEqualTo(1);
        assertThat(wire.get("metrics").text()).contains("veil_broker_releases_total 1.0");
        // where the release's time went, step by step (./bench broker reads these)
        assertThat(wire.get("metrics").text()).contains("veil_broker_release_step_cpu_seconds_total{step=\"appraisal\"}")
                .contains("veil_broker_release_step_wall_seconds_total{step=\"record_durable\"}");
    }

    @Test
    void evidenceForAnotherContractIsRefused() throws Exception {
        start(null);
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = challenge();
        byte[] other = BrokerFixture.serving(null).hash();
        assertRefused(release(i.offer(BrokerFixture.MEASUREMENT, nonce, other), nonce), "evidence_refused");
        assertThat(recorded()).isZero();
    }

    @Test
    void wrongMeasurementIsRefused() throws Exception {
        start(null);
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = challenge();
        assertRefused(release(i.offer("cd".repeat(48), nonce, contract.hash()), nonce), "evidence_refused");
        assertThat(recorded()).isZero();
    }

    @Test
    void staleBrokerNonceIsRefused() throws Exception {
        start(null);
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = challenge();
        clock.advance(KeyBroker.CHALLENGE_LIFETIME.plusSeconds(1));
        assertRefused(release(i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash()), nonce), "stale_challenge");
        assertThat(recorded()).isZero();
    }

    @Test
    void nonceTheBrokerNeverIssuedIsRefused() throws Exception {
        start(null);
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = new byte[32];
        assertRefused(release(i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash()), nonce), "stale_challenge");
    }

    @Test
    void reusedNonceIsRefused() throws Exception {
        start(2);
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = challenge();
        Messages.EvidenceOffer offer = i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash());
        assertThat(release(offer, nonce).status()).isEqualTo(200);
        assertRefused(release(offer, nonce), "stale_challenge");
        SimInstance another = new SimInstance(KeyWrapSuite.X25519);
        assertRefused(release(another.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash()), nonce), "stale_challenge");
        assertThat(recorded()).isEqualTo(1);
    }

    @Test
    void instanceKeysNotBoundInTheEvidenceAreRefused() throws Exception {
        start(null);
        SimInstance genuine = new SimInstance(KeyWrapSuite.X25519);
        SimInstance relay = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = challenge();
        // the genuine instance's evidence, relayed with the relay's keys: the key would be wrapped to the relay
        Messages.EvidenceOffer relayed = SimInstance.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash(), genuine.keys, relay.keys);
        assertRefused(release(relayed, nonce), "evidence_refused");
        assertThat(recorded()).isZero();
    }

    @Test
    void keyWrapSuiteDowngradeIsRefused() throws Exception {
        contract = BrokerFixture.serving(null);
        start(null);
        SimInstance weak = new SimInstance(KeyWrapSuite.MLKEM768_X25519);   // the contract names X25519: any other suite is refused
        byte[] nonce = challenge();
        assertRefused(release(weak.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash()), nonce), "evidence_refused");
    }

    @Test
    void maxInstancesExceededIsRefusedButTheSameInstanceIsServedAgain() throws Exception {
        start(2);
        SimInstance first = new SimInstance(KeyWrapSuite.X25519);
        releaseTo(first);
        releaseTo(new SimInstance(KeyWrapSuite.X25519));
        SimInstance third = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = challenge();
        assertRefused(release(third.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash()), nonce), "instance_limit");
        releaseTo(first);   // a restart of the first instance's fetch, same keys: no new instance
        assertThat(recorded()).isEqualTo(3);
    }

    @Test
    void revokedInstanceIsRefusedByTheRunningBroker() throws Exception {
        start(2);
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        releaseTo(i);
        Revocations.add(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("revoked"), i.hex());
        byte[] nonce = challenge();
        assertRefused(release(i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash()), nonce), "revoked");
        releaseTo(new SimInstance(KeyWrapSuite.X25519));   // another instance is not affected
    }

    @Test
    void revokeAllStopsEveryRelease() throws Exception {
        start(3);
        Revocations.add(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("revoked"), null);
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = challenge();
        assertRefused(release(i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash()), nonce), "revoked");
        assertThat(recorded()).isZero();
    }

    @Test
    void unreadableRevocationListRefusesEverything() throws Exception {
        start(3);
        Files.writeString(dir.resolve("state").resolve("revoked"), "instance not-hex\n");
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = challenge();
        assertRefused(release(i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash()), nonce), "revoked");
    }

    @Test
    void restartedBrokerKeepsItsRecordAndItsCount() throws Exception {
        start(null);
        SimInstance first = new SimInstance(KeyWrapSuite.X25519);
        releaseTo(first);
        restart();
        SimInstance second = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = challenge();
        assertRefused(release(second.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash()), nonce), "instance_limit");
        releaseTo(first);
        assertThat(recorded()).isEqualTo(2);
        assertThat(ReleaseRecord.verify(ReleaseRecord.file(BrokerState.existing(dir.resolve("state")), contract.hashHex()),
                contract.hash(), BrokerFixture.MP.publicIdentity())).hasSize(2);
    }

    @Test
    void recordHeadsVerifyAndATamperedRecordIsDetected() throws Exception {
        start(3);
        SimInstance a = new SimInstance(KeyWrapSuite.X25519);
        releaseTo(a);
        releaseTo(new SimInstance(KeyWrapSuite.X25519));
        stop();
        Path file = ReleaseRecord.file(BrokerState.existing(dir.resolve("state")), contract.hashHex());
        List<ReleaseLogEntry> entries = ReleaseRecord.verify(file, contract.hash(), BrokerFixture.MP.publicIdentity());
        assertThat(entries).hasSize(2);
        String original = Files.readString(file);

        // an instance erased from history: its line rewritten to name another instance
        Files.writeString(file, original.replaceFirst(a.hex(), "00".repeat(32)));
        assertThatThrownBy(() -> ReleaseRecord.verify(file, contract.hash(), BrokerFixture.MP.publicIdentity()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("altered");
        assertThatThrownBy(this::restart).isInstanceOf(ProtocolException.class);

        // a release removed from the middle
        Files.writeString(file, original.substring(original.indexOf('\n') + 1));
        assertThatThrownBy(() -> ReleaseRecord.verify(file, contract.hash(), BrokerFixture.MP.publicIdentity()))
                .isInstanceOf(ProtocolException.class);

        // heads signed by someone else than the broker's identity
        assertThatThrownBy(() -> ReleaseRecord.verify(Files.writeString(file, original), contract.hash(),
                BrokerFixture.DP.publicIdentity())).isInstanceOf(ProtocolException.class).hasMessageContaining("not signed");
    }

    @Test
    void clockSetBackNeitherBreaksTheRecordNorStopsTheBroker() throws Exception {
        start(3);
        releaseTo(new SimInstance(KeyWrapSuite.X25519));
        clock.advance(Duration.ofHours(-1));
        releaseTo(new SimInstance(KeyWrapSuite.X25519));
        restart();
        assertThat(recorded()).isEqualTo(2);
    }

    @Test
    void secondBrokerOnTheSameStateOrAnotherIdentityOrAnOpenDirectoryDoesNotStart() throws Exception {
        start(1);
        assertThatThrownBy(() -> KeyBroker.open(BrokerFixture.MP, modelKey, List.of(new BrokeredContract.Serving(contract)),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults(), clock, new BrokerMetrics()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("another broker");
        stop();
        assertThatThrownBy(() -> KeyBroker.open(BrokerFixture.DP, modelKey, List.of(new BrokeredContract.Serving(contract)),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults(), clock, new BrokerMetrics()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("belongs to the broker identity");
        Path open = Files.createDirectories(dir.resolve("open"));
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> BrokerState.open(open)).isInstanceOf(ProtocolException.class).hasMessageContaining("chmod 700");
    }

    @Test
    void unfinishedLastLineIsCutOnRestart() throws Exception {
        start(3);
        releaseTo(new SimInstance(KeyWrapSuite.X25519));
        stop();
        Path file = ReleaseRecord.file(BrokerState.existing(dir.resolve("state")), contract.hashHex());
        Files.writeString(file, "{\"release\":", java.nio.file.StandardOpenOption.APPEND);
        restart();
        releaseTo(new SimInstance(KeyWrapSuite.X25519));
        assertThat(recorded()).isEqualTo(2);
    }

    @Test
    void unwrapByAnInstanceTheBrokerNeverReleasedToIsRefused() throws Exception {
        start(2);
        Files.createDirectories(dir.resolve("state/master-keys"));
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state/master-keys"), "dataset-1");
        SimInstance released = new SimInstance(KeyWrapSuite.X25519);
        releaseTo(released);
        String wrapped = wrap(released, "dataset-1", new byte[16]);

        SimInstance stranger = new SimInstance(KeyWrapSuite.X25519);
        assertRefused(unwrap(stranger, "dataset-1", wrapped), "not_released");
        // the released instance's identity claimed with a stranger's signature
        CallerInstance claimed = new CallerInstance(contract.hashHex(), released.keys);
        assertRefused(wire.post(BrokerMessages.UNWRAP, wire.unwrapRequest("dataset-1", wrapped, claimed, stranger::sign)), "bad_signature");

        UnwrapRequest request = wire.unwrapRequest("dataset-1", wrapped, claimed, released::sign);
        BrokerWire.Answer ok = wire.post(BrokerMessages.UNWRAP, request);
        assertThat(ok.status()).as(ok.text()).isEqualTo(200);
        UnwrapAnswer answer = BrokerMessages.unwrapAnswer(ok.body());
        byte[] key = Hpke.open(released.keyWrap, UnwrapRequest.answerInfo(), request.signingMessage(), answer.sealed());
        assertThat(key).isEqualTo(new byte[16]);

        Revocations.add(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("revoked"), released.hex());
        assertRefused(unwrap(released, "dataset-1", wrapped), "revoked");
    }

    @Test
    void wrappedKeyUnderAnotherMasterKeyIdDoesNotOpen() throws Exception {
        start(2);
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state/master-keys"), "a");
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state/master-keys"), "b");
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        releaseTo(i);
        String wrapped = wrap(i, "a", new byte[32]);
        assertRefused(unwrap(i, "b", wrapped), "key_does_not_open");
        assertRefused(unwrap(i, "missing", wrapped), "unknown_master_key");
    }

    @Test
    void providerWrapsWithItsIdentityAndAStrangerCannot() throws Exception {
        start(1);
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state/master-keys"), "ds");
        Hpke.Sealed sealed = Hpke.seal(KeyWrapSuite.X25519, BrokerFixture.MP.publicIdentity().keyAgreementKey(), WrapRequest.hpkeInfo(),
                WrapRequest.aad("ds", null), new byte[16]);
        BrokerWire.Answer ok = wire.post(BrokerMessages.WRAP, wire.wrapRequest("ds", null, sealed, BrokerFixture.MP::sign));
        assertThat(ok.status()).as(ok.text()).isEqualTo(200);
        assertRefused(wire.post(BrokerMessages.WRAP, wire.wrapRequest("ds", null, sealed, BrokerFixture.DP::sign)), "bad_signature");
    }

    @Test
    void oversizedAndMalformedBodiesAreRefusedBeforeAnyWork() throws Exception {
        start(1);
        assertRefused(wire.postHeadersOnly(BrokerMessages.CHALLENGE, BrokerMessages.MAX_SMALL_BYTES + 1), "too_large");
        assertRefused(wire.postRaw(BrokerMessages.CHALLENGE, ("{\"contract_hash\":\"" + contract.hashHex() + "\",\"contract_hash\":\""
                + contract.hashHex() + "\"}").getBytes(StandardCharsets.UTF_8)), "bad_request");
        assertRefused(wire.get(BrokerMessages.CHALLENGE), "method_not_allowed");
        assertRefused(wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest("00".repeat(32))), "unknown_contract");
    }

    @Test
    void releasesBeyondTheRateAreRefusedWithRetryAfter() throws Exception {
        contract = BrokerFixture.serving(5);
        stop();
        broker = KeyBroker.open(BrokerFixture.MP, modelKey, List.of(new BrokeredContract.Serving(contract)),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults().withRate(0.001, 1), clock, new BrokerMetrics());
        server = BrokerServer.start(broker, "127.0.0.1", 0, 4);
        wire = new BrokerWire(server.port());
        releaseTo(new SimInstance(KeyWrapSuite.X25519));
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] nonce = challenge();
        assertRefused(release(i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash()), nonce), "rate_limited");
    }

    @Test
    void headOfTheRecordIsServedSigned() throws Exception {
        start(1);
        releaseTo(new SimInstance(KeyWrapSuite.X25519));
        BrokerWire.Answer a = wire.get(BrokerMessages.HEAD.substring(1) + "?contract=" + contract.hashHex());
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        var head = Json.parse(a.body(), dev.veil.protocol.translog.SignedTreeHead.class, "head");
        assertThat(head.head().treeSize()).isEqualTo(1);
        assertThat(BrokerFixture.MP.publicIdentity().verify(head.head().signingMessage(), head.signature())).isTrue();
    }

    private String wrap(SimInstance i, String id, byte[] dataKey) throws Exception {
        CallerInstance caller = new CallerInstance(contract.hashHex(), i.keys);
        Hpke.Sealed sealed = Hpke.seal(KeyWrapSuite.X25519, BrokerFixture.MP.publicIdentity().keyAgreementKey(), WrapRequest.hpkeInfo(),
                WrapRequest.aad(id, caller), dataKey);
        BrokerWire.Answer a = wire.post(BrokerMessages.WRAP, wire.wrapRequest(id, caller, sealed, i::sign));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return BrokerMessages.wrapAnswer(a.body()).wrappedKey();
    }

    private BrokerWire.Answer unwrap(SimInstance i, String id, String wrapped) throws Exception {
        CallerInstance caller = new CallerInstance(contract.hashHex(), i.keys);
        return wire.post(BrokerMessages.UNWRAP, wire.unwrapRequest(id, wrapped, caller, i::sign));
    }
}
