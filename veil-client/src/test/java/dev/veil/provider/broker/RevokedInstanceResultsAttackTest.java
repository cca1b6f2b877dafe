package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: an executor instance the data provider revoked (a compromised one: the reason docs/SCALE-OUT.md gives for
 * {@code veil broker revoke}) wrote results, and {@code veil batch open} still opens them as verified.
 *
 * <p>A batch's results are encrypted under keys each executor instance had the data provider's broker wrap
 * ({@code ResultKeys}), and the same instance signs the partition receipts that {@code veil batch open} checks them
 * against: an instance that is compromised can write any outputs and sign receipts that verify. The data provider's
 * defence against an instance it learns is compromised is to revoke it at its broker; the broker then refuses the
 * instance's releases and its data-key service. But the owner route that {@code veil batch open} unwraps the results'
 * keys through ({@code /v1/owner/unwrap}) never looks at revocations ({@code OwnerUnwraps} checks the signer, the
 * scope and that the wrapping instance was released to, not whether it was revoked, so {@code --all} does not stop it
 * either): it answers a key the revoked instance wrapped after {@code veil broker revoke --instance}, and
 * {@code veil batch open} reports {@code "receipt_verified": true} for that instance's outputs. The data provider's
 * broker knows the instance is revoked, and the data provider asks that very broker, yet nothing tells it.
 *
 * <p>Why it matters: revoking is how the data provider stops trusting an instance; results written and receipts signed
 * by that instance then still pass as the contract's model's answers on its data.
 *
 * <p>Fix (suggested): the owner route refuses a key wrapped by a revoked instance ({@code 403 revoked}, recorded like
 * any owner unwrap), so {@code veil batch open} stops and names the revoked instance and its partitions; a data provider
 * who still wants them opens them with an explicit option that says they come from a revoked instance.
 */
class RevokedInstanceResultsAttackTest {
    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;

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
    void aResultsKeyWrappedByARevokedInstanceIsNotOpenedForTheOwner() throws Exception {
        ContractVerifier.Verified contract = BrokerFixture.batch(2);
        broker = KeyBroker.open(BrokerFixture.DP, null, List.of(new BrokeredContract.Batch(contract, Role.DATA_PROVIDER)),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults(), clock, new BrokerMetrics());
        server = BrokerServer.start(broker, "127.0.0.1", 0, 4);
        wire = new BrokerWire(server.port());
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("master-keys"), "results");

        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        String wrapped = instanceWraps(compromised, contract, "results", new byte[32]);
        // the data provider learns the instance is compromised and revokes it, as docs/SCALE-OUT.md says to
        Revocations.add(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("revoked"), compromised.hex());
        assertThatThrownBy(() -> instanceWraps(compromised, contract, "results", new byte[32]))
                .as("the running broker holds the revocation").hasMessageContaining("revoked");

        URI url = URI.create("http://127.0.0.1:" + server.port() + "/");
        Throwable opened = catchThrowable(() -> new OwnerDataKeys(url, BrokerFixture.DP, contract.hashHex()).unwrap("results", wrapped,
                compromised.hex()));
        assertThat(opened).as("the data provider's broker opens, for 'veil batch open', a results key that a revoked instance wrapped")
                .isInstanceOf(ProtocolException.class).hasMessageContaining("revoked");
    }

    /** {@code i} is released to under {@code c}, then wraps a results key under master key {@code id}: the wrapped text. */
    private String instanceWraps(SimInstance i, ContractVerifier.Verified c, String id, byte[] dataKey) throws Exception {
        byte[] nonce = BrokerMessages.challenge(wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(c.hashHex())).body()).nonce();
        BrokerWire.Answer released = wire.post(BrokerMessages.RELEASE, new ReleaseRequest(c.hashHex(), nonce,
                i.offer(BrokerFixture.MEASUREMENT, nonce, c.hash())));
        if (released.status() != 200) {
            throw new IllegalStateException(released.text());
        }
        CallerInstance caller = new CallerInstance(c.hashHex(), i.keys);
        Hpke.Sealed sealed = Hpke.seal(KeyWrapSuite.X25519, BrokerFixture.DP.publicIdentity().keyAgreementKey(), WrapRequest.hpkeInfo(),
                WrapRequest.aad(id, caller), dataKey);
        BrokerWire.Answer a = wire.post(BrokerMessages.WRAP, wire.wrapRequest(id, caller, sealed, i::sign));
        if (a.status() != 200) {
            throw new IllegalStateException(a.text());
        }
        return BrokerMessages.wrapAnswer(a.body()).wrappedKey();
    }
}
