package dev.veil.spark.job;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.json.Json;
import dev.veil.provider.broker.BrokerMetrics;
import dev.veil.provider.broker.BrokerServer;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.BrokeredContract;
import dev.veil.provider.broker.KeyBroker;
import dev.veil.provider.broker.ReleaseAudit;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Both providers' brokers of {@link ExecutorContract}'s contract, on loopback, which release to any executor instance
 * whose evidence the contract accepts (the model provider's holds the key of the model the jobs carry): what an attack
 * test counts to show that no key moved.
 */
final class ReleasingBrokers implements AutoCloseable {
    final ExecutorContract fixture;
    final ContractVerifier.Verified contract;
    private final AssetKey modelKey = AssetKey.generate();
    private final byte[] sealedModel;
    private final KeyBroker mpBroker;
    private final KeyBroker dpBroker;
    private final BrokerServer mpServer;
    private final BrokerServer dpServer;
    /** The brokers' addresses, as a job's terms name them. */
    final String mpUrl;
    final String dpUrl;

    ReleasingBrokers(ExecutorContract fixture, Path dir) throws Exception {
        this.fixture = fixture;
        contract = ContractVerifier.verify(fixture.signed, Instant.now());
        sealedModel = new Sealer().sealBytes(fixture.model, modelKey, ContentType.MODEL);
        BrokerState dpState = BrokerState.open(dir.resolve("dp-broker"));
        ReleaseAudit.createMasterKey(dpState, "dataset");
        mpBroker = KeyBroker.open(fixture.modelProvider, modelKey, List.of(BrokeredContract.batch(contract,
                        fixture.modelProvider.publicIdentity())), BrokerState.open(dir.resolve("mp-broker")),
                KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        dpBroker = KeyBroker.open(fixture.dataProvider, null, List.of(BrokeredContract.batch(contract,
                fixture.dataProvider.publicIdentity())), dpState, KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        mpServer = BrokerServer.start(mpBroker, "127.0.0.1", 0, 4);
        dpServer = BrokerServer.start(dpBroker, "127.0.0.1", 0, 4);
        mpUrl = "http://127.0.0.1:" + mpServer.port() + "/";
        dpUrl = "http://127.0.0.1:" + dpServer.port() + "/";
    }

    /** Terms of a new job under the contract, over these brokers. */
    BatchTerms newJob() {
        return terms("job-" + System.nanoTime());
    }

    /** Terms of job {@code jobId} under the contract, over these brokers. */
    BatchTerms terms(String jobId) {
        return new BatchTerms(jobId, Json.canonical(fixture.signed), sealedModel, mpUrl, dpUrl, "dataset", 4);
    }

    long modelProviderReleases() throws Exception {
        return mpBroker.releaseCount(contract.hashHex());
    }

    long dataProviderReleases() throws Exception {
        return dpBroker.releaseCount(contract.hashHex());
    }

    @Override
    public void close() throws Exception {
        try (KeyBroker mp = mpBroker; KeyBroker dp = dpBroker; BrokerServer mps = mpServer; BrokerServer dps = dpServer) {
            // each closed, in reverse order
        }
    }
}
