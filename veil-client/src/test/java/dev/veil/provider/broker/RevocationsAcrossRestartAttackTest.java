package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.AssetKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whoever can touch the broker's state directory while the broker is stopped (the operator of the volume it keeps
 * its state on: in deploy/kubernetes a PersistentVolumeClaim of the cluster) undoes a revocation. A running broker
 * keeps every revocation it read and treats a deleted list as "all" (RevocationsAttackTest), and the release record
 * is protected across restarts by the head kept beside it (ReleaseRecord); but the revocation list has no such
 * anchor: a broker that starts with no {@code revoked} file, or one rewritten without an instance, starts with nothing
 * revoked and releases the model key again to the very instance its provider revoked (a compromised replica, say).
 * Fix: revocations enter the signed release record (a leaf kind of their own, so the record's kept head protects
 * them as it protects releases), and the broker rebuilds its revoked set from the record at start; or, at least, it
 * refuses to start when its record holds releases but the revocation list it last wrote is missing or shorter
 * (a kept digest of the list, as {@code HASH.head} is kept), unless the operator passes an explicit repair option.
 * Files: veil-client's Revocations, ReleaseRecord (and veil-protocol's broker leaves), KeyBroker.open.
 */
class RevocationsAcrossRestartAttackTest {
    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private final AssetKey modelKey = AssetKey.generate();
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;
    private ServingContractVerifier.Verified contract;

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

    private BrokerWire.Answer release(SimInstance i) throws Exception {
        BrokerWire.Answer c = wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(contract.hashHex()));
        assertThat(c.status()).as(c.text()).isEqualTo(200);
        byte[] nonce = BrokerMessages.challenge(c.body()).nonce();
        Messages.EvidenceOffer offer = i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash());
        return wire.post(BrokerMessages.RELEASE, new ReleaseRequest(contract.hashHex(), nonce, offer));
    }

    private Path revoked() {
        return dir.resolve("state").resolve("revoked");
    }

    @Test
    void revocationListDeletedWhileTheBrokerIsStoppedDoesNotReviveARevokedInstance() throws Exception {
        contract = BrokerFixture.serving(3);
        restart();
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        assertThat(release(compromised).status()).isEqualTo(200);
        Revocations.add(new StateFiles(StateFiles.FSYNC), revoked(), compromised.hex());
        assertThat(release(compromised).text()).contains("\"error\":\"revoked\"");

        stop();
        Files.delete(revoked());   // the operator of the state volume, between two runs of the broker
        restart();

        BrokerWire.Answer again = release(compromised);
        assertThat(again.status()).as("a revoked instance asked again after the revocation list was deleted under a stopped"
                + " broker; the broker answered: %s", again.text()).isGreaterThanOrEqualTo(400);
    }

    @Test
    void revokeAllUndoneByEmptyingTheListWhileTheBrokerIsStoppedStillStopsReleases() throws Exception {
        contract = BrokerFixture.serving(3);
        restart();
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        assertThat(release(compromised).status()).isEqualTo(200);
        Revocations.add(new StateFiles(StateFiles.FSYNC), revoked(), null);   // 'veil broker revoke --all'

        stop();
        Files.writeString(revoked(), "");   // a list that parses, and revokes nothing
        restart();

        BrokerWire.Answer again = release(compromised);
        assertThat(again.status()).as("after 'revoke --all', a list emptied under a stopped broker; the broker answered: %s",
                again.text()).isGreaterThanOrEqualTo(400);
    }
}
