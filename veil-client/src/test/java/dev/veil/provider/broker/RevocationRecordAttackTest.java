package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.ReleaseLogEntry;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.broker.RevocationLeaf;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.AssetKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revocations are leaves of the broker's signed release records ({@link RevocationLedger}): the broker records what
 * {@code veil broker revoke} asks before it refuses, at start and at stop, and rebuilds the revocations in force from its
 * records, whose kept heads protect them as they protect releases. Whoever can write the state volume between two runs
 * must not undo one by editing the records either, nor turn a refusal of an unreadable list into a lasting revocation.
 */
class RevocationRecordAttackTest {
    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private final AssetKey modelKey = AssetKey.generate();
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;

    private void start(ServingContractVerifier.Verified... contracts) throws Exception {
        stop();
        List<BrokeredContract> brokered = new ArrayList<>();
        for (ServingContractVerifier.Verified c : contracts) {
            brokered.add(new BrokeredContract.Serving(c));
        }
        broker = KeyBroker.open(BrokerFixture.MP, modelKey, brokered, state(), KeyBroker.Settings.defaults(), clock, new BrokerMetrics());
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

    private BrokerState state() throws Exception {
        return BrokerState.open(dir.resolve("state"));
    }

    private Path revoked() {
        return dir.resolve("state").resolve("revoked");
    }

    private Path record(ServingContractVerifier.Verified c) throws Exception {
        return ReleaseRecord.file(state(), c.hashHex());
    }

    private BrokerWire.Answer release(SimInstance i, ServingContractVerifier.Verified contract) throws Exception {
        BrokerWire.Answer c = wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(contract.hashHex()));
        assertThat(c.status()).as(c.text()).isEqualTo(200);
        byte[] nonce = BrokerMessages.challenge(c.body()).nonce();
        Messages.EvidenceOffer offer = i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash());
        return wire.post(BrokerMessages.RELEASE, new ReleaseRequest(contract.hashHex(), nonce, offer));
    }

    private static List<RevocationLeaf> revocations(Path record) throws Exception {
        return ReleaseRecord.read(record).stream().map(ReleaseLogEntry::revocation).filter(java.util.Objects::nonNull).toList();
    }

    /** A broker released to {@code compromised}, which its provider then revoked; the broker saw it and stopped. */
    private ServingContractVerifier.Verified revokedAndStopped(SimInstance compromised) throws Exception {
        ServingContractVerifier.Verified contract = BrokerFixture.serving(3);
        start(contract);
        assertThat(release(compromised, contract).status()).isEqualTo(200);
        Revocations.add(new StateFiles(StateFiles.FSYNC), revoked(), compromised.hex());
        assertThat(release(compromised, contract).text()).contains("\"error\":\"revoked\"");
        stop();
        return contract;
    }

    /** Attack: the revocation's line cut from the end of the record (the list deleted too): the kept head is longer. */
    @Test
    void revocationLeafCutFromTheRecordIsRefusedAtStart() throws Exception {
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        ServingContractVerifier.Verified contract = revokedAndStopped(compromised);
        Path record = record(contract);
        List<String> lines = Files.readAllLines(record, StandardCharsets.UTF_8);
        assertThat(lines.get(lines.size() - 1)).contains("\"revocation\"").contains(compromised.hex());
        Files.writeString(record, String.join("\n", lines.subList(0, lines.size() - 1)) + "\n");
        Files.delete(revoked());

        assertThatThrownBy(() -> start(contract)).isInstanceOf(ProtocolException.class).hasMessageContaining("rolled back");
    }

    /** Attack: the revocation's line removed from the middle of the record: the sequence and the heads after it break. */
    @Test
    void revocationLeafRemovedFromTheMiddleOfTheRecordIsRefusedAtStart() throws Exception {
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        ServingContractVerifier.Verified contract = revokedAndStopped(compromised);
        start(contract);
        assertThat(release(new SimInstance(KeyWrapSuite.X25519), contract).status()).isEqualTo(200);
        stop();
        Path record = record(contract);
        List<String> lines = new ArrayList<>(Files.readAllLines(record, StandardCharsets.UTF_8));
        assertThat(lines.remove(1)).contains("\"revocation\"");
        Files.writeString(record, String.join("\n", lines) + "\n");
        Files.delete(revoked());

        assertThatThrownBy(() -> start(contract)).isInstanceOf(ProtocolException.class);
    }

    /** Attack: the revocation's line rewritten to name another instance: its head no longer matches. */
    @Test
    void revocationLeafRewrittenToAnotherInstanceIsRefusedAtStart() throws Exception {
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        ServingContractVerifier.Verified contract = revokedAndStopped(compromised);
        Path record = record(contract);
        List<String> lines = Files.readAllLines(record, StandardCharsets.UTF_8);
        String last = lines.get(lines.size() - 1);
        lines.set(lines.size() - 1, last.replace(compromised.hex(), "11".repeat(32)));
        Files.writeString(record, String.join("\n", lines) + "\n");
        Files.delete(revoked());

        assertThatThrownBy(() -> start(contract)).isInstanceOf(ProtocolException.class).hasMessageContaining("altered");
    }

    /**
     * Attack: a revocation asked while the broker is stopped, the list then deleted after the broker's start: the start
     * recorded it, so it holds.
     */
    @Test
    void revocationAskedWhileTheBrokerIsStoppedIsRecordedAtStart() throws Exception {
        ServingContractVerifier.Verified contract = BrokerFixture.serving(3);
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        start(contract);
        assertThat(release(compromised, contract).status()).isEqualTo(200);
        stop();
        Revocations.add(new StateFiles(StateFiles.FSYNC), revoked(), compromised.hex());
        start(contract);
        assertThat(revocations(record(contract))).singleElement().satisfies(r -> {
            assertThat(r.all()).isFalse();
            assertThat(r.instanceKeys()).isEqualTo(compromised.hex());
        });
        stop();
        Files.delete(revoked());
        start(contract);
        assertThat(release(compromised, contract).text()).contains("\"error\":\"revoked\"");
    }

    /**
     * Attack: a revocation recorded under one contract, then the broker restarted with a second contract and, later,
     * with the second alone: the first start carried the revocation into the second contract's record.
     */
    @Test
    void revocationIsCarriedIntoTheRecordOfAContractAddedLater() throws Exception {
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        ServingContractVerifier.Verified first = revokedAndStopped(compromised);
        ServingContractVerifier.Verified second = BrokerFixture.serving(2);
        start(first, second);
        stop();
        assertThat(revocations(record(second))).extracting(RevocationLeaf::instanceKeys).containsExactly(compromised.hex());
        Files.delete(revoked());
        start(second);
        assertThat(release(compromised, second).text()).contains("\"error\":\"revoked\"");
    }

    /**
     * Attack: a list that does not parse refuses everything while it is unreadable, but nobody asked to revoke
     * everything: once it is fixed, releases resume, and the record holds no revocation of every release.
     */
    @Test
    void unreadableListRefusesWithoutBeingRecordedAsRevokeAll() throws Exception {
        ServingContractVerifier.Verified contract = BrokerFixture.serving(3);
        start(contract);
        Files.writeString(revoked(), "instance not-hex\n");
        assertThat(release(new SimInstance(KeyWrapSuite.X25519), contract).text()).contains("\"error\":\"revoked\"");
        Files.writeString(revoked(), "");
        assertThat(release(new SimInstance(KeyWrapSuite.X25519), contract).status()).isEqualTo(200);
        stop();
        assertThat(revocations(record(contract))).isEmpty();
    }

    /** Attack: a stopped broker's revocation recorded at once with its identity; the list deleted before any start. */
    @Test
    void revocationRecordedByTheStoppedBrokersIdentityHoldsWithoutTheList() throws Exception {
        ServingContractVerifier.Verified contract = BrokerFixture.serving(3);
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        start(contract);
        assertThat(release(compromised, contract).status()).isEqualTo(200);
        assertThat(ReleaseAudit.revoke(state(), BrokerFixture.MP, compromised.hex(), clock))
                .as("a running broker holds the state: it records the revocation itself")
                .isEqualTo(ReleaseAudit.Recorded.BY_THE_RUNNING_BROKER);
        stop();
        Files.delete(revoked());
        assertThat(ReleaseAudit.revoke(state(), null, null, clock)).isEqualTo(ReleaseAudit.Recorded.AT_THE_NEXT_START);
        Files.delete(revoked());
        SimInstance other = new SimInstance(KeyWrapSuite.X25519);
        assertThat(ReleaseAudit.revoke(state(), BrokerFixture.MP, other.hex(), clock)).isEqualTo(ReleaseAudit.Recorded.NOW);
        assertThat(revocations(record(contract))).extracting(RevocationLeaf::instanceKeys).containsExactly(compromised.hex(), other.hex());
        Files.delete(revoked());

        start(contract);
        assertThat(release(other, contract).text()).contains("\"error\":\"revoked\"");
        assertThat(release(compromised, contract).text()).contains("\"error\":\"revoked\"");
        assertThat(release(new SimInstance(KeyWrapSuite.X25519), contract).status())
                .as("a revoke --all asked without an identity and its list deleted before any start never reached a record")
                .isEqualTo(200);
    }

    /** Attack: another identity's key signs revocations into the records of this broker's state. */
    @Test
    void revocationOfAStoppedBrokerNeedsItsOwnIdentity() throws Exception {
        ServingContractVerifier.Verified contract = BrokerFixture.serving(3);
        start(contract);
        stop();
        assertThatThrownBy(() -> ReleaseAudit.revoke(state(), BrokerFixture.DP, "22".repeat(32), clock))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("not the broker identity");
        assertThat(revocations(record(contract))).isEmpty();
    }

    /** The audit path ({@code veil broker log}) shows each revocation, and what the record revokes as the broker reads it. */
    @Test
    void auditShowsTheRecordedRevocations() throws Exception {
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        ServingContractVerifier.Verified contract = revokedAndStopped(compromised);
        Revocations.add(new StateFiles(StateFiles.FSYNC), revoked(), null);
        start(contract);
        stop();
        List<ReleaseAudit.Contract> audited = ReleaseAudit.verify(BrokerState.existing(dir.resolve("state")),
                BrokerFixture.MP.publicIdentity());
        assertThat(audited.get(0).revocations()).extracting(RevocationLeaf::all).containsExactly(false, true);
        assertThat(audited.get(0).revoked().all()).isTrue();
        assertThat(audited.get(0).revoked().instances()).containsExactly(compromised.hex());
        assertThat(audited.get(0).releases()).hasSize(1);
    }
}
