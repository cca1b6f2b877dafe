package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Json;
import dev.veil.provider.broker.BrokerMetrics;
import dev.veil.provider.broker.BrokerServer;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.BrokeredContract;
import dev.veil.provider.broker.KeyBroker;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An executor attests to both brokers at once ({@link ExecutorInstance}): the data provider's broker releases to the
 * instance, counting it against the contract's max_instances and writing it into the data provider's signed record,
 * even when the model provider's broker refuses (or cannot be reached), so the instance never runs. When the executor
 * attested to the model provider's broker first, its refusal left the data provider's broker untouched. Now a model
 * provider that refuses its releases (or whose broker is down) spends the data provider's instances — each executor
 * retry one more — and fills the data provider's record with releases that served no job.
 */
class RefusedModelReleaseStillSpendsDataProvidersInstancesAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aModelProviderBrokerThatRefusesLeavesNoReleaseCountedByTheDataProvidersBroker() throws Exception {
        ExecutorContract fixture = new ExecutorContract();
        byte[] model = fixture.model;
        Identity mp = fixture.modelProvider;
        Identity dp = fixture.dataProvider;
        SignedContract signed = fixture.signed;
        ContractVerifier.Verified contract = ContractVerifier.verify(signed, Instant.now());

        KeyBroker dpBroker = KeyBroker.open(dp, null, List.of(BrokeredContract.batch(contract, dp.publicIdentity())),
                BrokerState.open(tmp.resolve("dp-broker")), KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        int unreachable;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            unreachable = s.getLocalPort();   // closed below: the model provider's broker is down (or refuses)
        }
        try (BrokerServer dpServer = BrokerServer.start(dpBroker, "127.0.0.1", 0, 4)) {
            BatchTerms terms = new BatchTerms("job-" + System.nanoTime(), Json.canonical(signed),
                    new Sealer().sealBytes(model, AssetKey.generate(), ContentType.MODEL), "http://127.0.0.1:" + unreachable + "/",
                    "http://127.0.0.1:" + dpServer.port() + "/", "dataset", 4);
            // the instance's construction, as forJob makes it (without forJob's worker reserve: no worker is needed here)
            Constructor<ExecutorInstance> make = ExecutorInstance.class.getDeclaredConstructor(ContractVerifier.Verified.class,
                    BatchTerms.class, dev.veil.enclave.inference.WorkerReserve.class, Path.class);
            make.setAccessible(true);
            assertThatThrownBy(() -> {
                try {
                    make.newInstance(contract, terms, null, tmp);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }).as("the model provider's broker released nothing").isInstanceOf(dev.veil.enclave.broker.BrokerRefused.class);

            assertThat(dpBroker.releaseCount(contract.hashHex()))
                    .as("releases the data provider's broker counted for an instance that got no model key")
                    .isZero();
        } finally {
            dpBroker.close();
        }
    }
}
