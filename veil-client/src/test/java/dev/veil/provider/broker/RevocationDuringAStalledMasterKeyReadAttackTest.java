package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: whoever runs the broker's state volume (untrusted, docs/THREAT-MODEL.md) holds up the broker's read of a
 * master key while an unwrap for a compromised instance is under way; the data provider revokes the instance and
 * {@code veil broker revoke} reports it in force; then the read is let go. The broker had checked revocations before
 * the read only, and answered the revoked instance (or opened its results for the owner) after the revocation. Here the
 * master key file is a FIFO: the broker's read waits until the test writes the key into it. (Should a change have the
 * broker refuse before it reads the key, the FIFO is never opened: the timeout fails the test rather than hang it.)
 */
@Timeout(120)
class RevocationDuringAStalledMasterKeyReadAttackTest {
    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private ContractVerifier.Verified contract;
    private SimInstance compromised;
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;
    private String wrapped;

    @BeforeEach
    void start() throws Exception {
        contract = BrokerFixture.batch(2);
        compromised = new SimInstance(KeyWrapSuite.X25519);
        broker = KeyBroker.open(BrokerFixture.DP, null, List.of(new BrokeredContract.Batch(contract, Role.DATA_PROVIDER)),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults(), clock, new BrokerMetrics());
        server = BrokerServer.start(broker, "127.0.0.1", 0, 4);
        wire = new BrokerWire(server.port());
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), masterKeys(), "results");
        wrapped = releasedAndWrapped();
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

    @Test
    void anInstanceRevokedWhileItsUnwrapWaitsOnTheMasterKeyGetsNoDataKey() throws Exception {
        CallerInstance caller = new CallerInstance(contract.hashHex(), compromised.keys);
        var request = wire.unwrapRequest("results", wrapped, caller, compromised::sign);
        BrokerWire.Answer answer = revokedWhileTheReadWaits(() -> wire.post(BrokerMessages.UNWRAP, request));
        assertThat(answer.status()).as(answer.text()).isEqualTo(403);
        assertThat(answer.text()).contains("revoked");
    }

    @Test
    void resultsOfAnInstanceRevokedWhileTheOwnersUnwrapWaitsOnTheMasterKeyAreNotOpened() throws Exception {
        URI url = URI.create("http://127.0.0.1:" + server.port() + "/");
        String outcome = revokedWhileTheReadWaits(() -> {
            try {
                new OwnerDataKeys(url, BrokerFixture.DP, contract.hashHex()).unwrap("results", wrapped, compromised.hex());
                return "opened";
            } catch (Exception e) {
                return e.getMessage();
            }
        });
        assertThat(outcome).contains("revoked");
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws Exception;
    }

    /**
     * Makes master key "results" a FIFO, starts {@code call}, and once the broker opened the FIFO (it is past its checks
     * and reading the key) revokes the instance, then writes the key: the call's outcome.
     */
    private <T> T revokedWhileTheReadWaits(Call<T> call) throws Exception {
        Path key = masterKeys().resolve("results.key");
        byte[] bytes = Files.readAllBytes(key);
        Files.delete(key);
        Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", key.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        CompletableFuture<T> outcome = CompletableFuture.supplyAsync(() -> {
            try {
                return call.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (OutputStream fifo = Files.newOutputStream(key)) {   // returns once the broker opened it to read
            Revocations.add(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("revoked"), compromised.hex());
            // the key file itself back in place for any later read (an instance's unwrap tries the provider's binding
            // first, then its own), while the read under way gets the key through the FIFO it opened
            Path back = Files.write(masterKeys().resolve("results.key.back"), bytes);
            Files.move(back, key, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            fifo.write(bytes);
        }
        return outcome.get(30, TimeUnit.SECONDS);
    }

    private Path masterKeys() {
        return dir.resolve("state").resolve("master-keys");
    }

    /** The instance is released to, then has a results key wrapped under "results": the wrapped text. */
    private String releasedAndWrapped() throws Exception {
        byte[] nonce = BrokerMessages.challenge(wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(contract.hashHex())).body()).nonce();
        BrokerWire.Answer released = wire.post(BrokerMessages.RELEASE, new ReleaseRequest(contract.hashHex(), nonce,
                compromised.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash())));
        assertThat(released.status()).as(released.text()).isEqualTo(200);
        CallerInstance caller = new CallerInstance(contract.hashHex(), compromised.keys);
        Hpke.Sealed sealed = Hpke.seal(KeyWrapSuite.X25519, BrokerFixture.DP.publicIdentity().keyAgreementKey(), WrapRequest.hpkeInfo(),
                WrapRequest.aad("results", caller), new byte[32]);
        BrokerWire.Answer a = wire.post(BrokerMessages.WRAP, wire.wrapRequest("results", caller, sealed, compromised::sign));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return BrokerMessages.wrapAnswer(a.body()).wrappedKey();
    }
}
