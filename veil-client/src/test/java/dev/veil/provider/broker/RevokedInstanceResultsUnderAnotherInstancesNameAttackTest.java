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
 * Review 18b. The owner route refuses a key whose {@code wrapped_by} names a revoked instance
 * (RevokedInstanceResultsAttackTest), but {@code wrapped_by} is only the caller's claim: {@code MasterKeys.unwrapFor}
 * first opens the key as a provider-wrapped one (no instance in its binding) and only then with the named instance's
 * binding, so a key the data provider itself wrapped opens under any released instance's name. A compromised instance
 * knows such keys: its executor unwrapped the dataset's Parquet keys (provider-wrapped, {@code veil seal --format
 * parquet}) through its own data-key service before it was revoked. After {@code veil broker revoke --instance}, it
 * writes its results under one of those keys, labelled {@code <another, unrevoked instance's digest>/<the provider-wrapped
 * key>} ({@code ResultKeys}'s text form; the instance digests are in the broker's record and the batch receipt), and
 * signs the partition receipts with its own receipt key. {@code veil batch open} asks the owner route with
 * {@code wrapped_by} = the innocent instance: released, not revoked, the key opens, the signed record even attributes
 * the unwrap to the innocent instance, and the batch receipt check (which never compares a partition's signer with its
 * keys' wrapper, nor looks at revocations) reports {@code "receipt_verified": true} for the revoked instance's outputs.
 *
 * <p>Why it matters: the revocation check added to the owner route keys on a field the results' writer chooses, so it
 * does not stop the very instance it is meant to stop.
 *
 * <p>Fix: with {@code wrapped_by} given, the broker opens the key only under that instance's binding
 * ({@code WrappedDataKey.instanceAad}), never the provider's, so {@code wrapped_by} is the wrapper the broker bound
 * the key to; and {@code veil batch open} should require that each partition's results keys were wrapped by the
 * instance that signed that partition's receipt (and that instance is not revoked).
 */
class RevokedInstanceResultsUnderAnotherInstancesNameAttackTest {
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
    void aProviderWrappedKeyOpensForTheOwnerUnderAnInstanceThatNeverWrappedIt() throws Exception {
        ContractVerifier.Verified contract = BrokerFixture.batch(2);
        broker = KeyBroker.open(BrokerFixture.DP, null, List.of(new BrokeredContract.Batch(contract, Role.DATA_PROVIDER)),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults(), clock, new BrokerMetrics());
        server = BrokerServer.start(broker, "127.0.0.1", 0, 4);
        wire = new BrokerWire(server.port());
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("master-keys"), "data");
        URI url = URI.create("http://127.0.0.1:" + server.port() + "/");

        // the data provider seals its dataset: a Parquet key wrapped by the provider itself, which every instance of the
        // batch unwraps through its data-key service to read the rows
        byte[] datasetKey = new byte[16];
        java.util.Arrays.fill(datasetKey, (byte) 7);
        String providerWrapped = new ProviderDataKeys(url, BrokerFixture.DP).wrap("data", datasetKey);

        SimInstance innocent = new SimInstance(KeyWrapSuite.X25519);
        SimInstance compromised = new SimInstance(KeyWrapSuite.X25519);
        instanceWraps(innocent, contract, "data", new byte[32]);
        instanceWraps(compromised, contract, "data", new byte[32]);
        Revocations.add(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("revoked"), compromised.hex());
        assertThatThrownBy(() -> instanceWraps(compromised, contract, "data", new byte[32]))
                .as("the running broker holds the revocation").hasMessageContaining("revoked");

        // the revoked instance's results, under the dataset's key, labelled with the innocent instance's digest
        Throwable opened = catchThrowable(() -> new OwnerDataKeys(url, BrokerFixture.DP, contract.hashHex()).unwrap("data",
                providerWrapped, innocent.hex()));
        assertThat(opened).as("the owner route opened, as wrapped by instance %s, a key that instance never wrapped (the "
                + "provider did): wrapped_by, which the revocation check keys on, is whatever the results' writer labels them "
                + "with", innocent.hex().substring(0, 16)).isInstanceOf(ProtocolException.class);
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
