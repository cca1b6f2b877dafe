package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingContractVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private ServingContractVerifier.Verified contract;
    private LoopbackServingBroker broker;

    @AfterEach
    void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private void restart() throws Exception {
        if (broker == null) {
            broker = new LoopbackServingBroker(dir.resolve("state"), contract, clock);
        }
        broker.start();
    }

    private Path revoked() {
        return dir.resolve("state").resolve("revoked");
    }

    @Test
    void revocationListDeletedWhileTheBrokerIsStoppedDoesNotReviveARevokedInstance() throws Exception {
        contract = BrokerFixture.serving(3);
        restart();
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        assertThat(broker.release(compromised).status()).isEqualTo(200);
        Revocations.add(new StateFiles(StateFiles.FSYNC), revoked(), compromised.hex());
        assertThat(broker.release(compromised).text()).contains("\"error\":\"revoked\"");

        stop();
        Files.delete(revoked());   // the operator of the state volume, between two runs of the broker
        restart();

        BrokerWire.Answer again = broker.release(compromised);
        assertThat(again.status()).as("a revoked instance asked again after the revocation list was deleted under a stopped"
                + " broker; the broker answered: %s", again.text()).isGreaterThanOrEqualTo(400);
    }

    @Test
    void revokeAllUndoneByEmptyingTheListWhileTheBrokerIsStoppedStillStopsReleases() throws Exception {
        contract = BrokerFixture.serving(3);
        restart();
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        assertThat(broker.release(compromised).status()).isEqualTo(200);
        Revocations.add(new StateFiles(StateFiles.FSYNC), revoked(), null);   // 'veil broker revoke --all'

        stop();
        Files.writeString(revoked(), "");   // a list that parses, and revokes nothing
        restart();

        BrokerWire.Answer again = broker.release(compromised);
        assertThat(again.status()).as("after 'revoke --all', a list emptied under a stopped broker; the broker answered: %s",
                again.text()).isGreaterThanOrEqualTo(400);
    }
}
