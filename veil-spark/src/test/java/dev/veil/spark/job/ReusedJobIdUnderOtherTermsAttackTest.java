package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An executor answers a job's attestation task with the instance it holds for that job id. When it compared nothing
 * but the id, an attestation task carrying the id of a job this executor already attested, with other terms (another
 * contract, another model, other brokers, another number of rows per run), was answered with the first job's instance:
 * a second job would run under the first one's keys, contract and row budget, and neither broker would hear of it. Now
 * the instance keeps the digest of its terms, and other terms under its id are refused before any broker is asked.
 */
class ReusedJobIdUnderOtherTermsAttackTest {
    @TempDir
    Path tmp;

    @Test
    void anAttestationTaskWithAnotherJobsTermsUnderAKnownJobIdIsRefusedWithoutAskingABroker() throws Exception {
        ExecutorContract fixture = new ExecutorContract();
        byte[] model = fixture.model;
        Identity mp = fixture.modelProvider;
        Identity dp = fixture.dataProvider;
        SignedContract signed = fixture.signed;
        ContractVerifier.Verified contract = ContractVerifier.verify(signed, Instant.now());
        AssetKey modelKey = AssetKey.generate();
        BrokerState dpState = BrokerState.open(tmp.resolve("dp-broker"));
        ReleaseAudit.createMasterKey(dpState, "dataset");
        KeyBroker mpBroker = KeyBroker.open(mp, modelKey, List.of(BrokeredContract.batch(contract, mp.publicIdentity())),
                BrokerState.open(tmp.resolve("mp-broker")), KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        KeyBroker dpBroker = KeyBroker.open(dp, null, List.of(BrokeredContract.batch(contract, dp.publicIdentity())), dpState,
                KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        String jobId = "job-" + System.nanoTime();
        try (mpBroker; dpBroker; DriverInstance driver = new DriverInstance(signed);
             BrokerServer mpServer = BrokerServer.start(mpBroker, "127.0.0.1", 0, 4);
             BrokerServer dpServer = BrokerServer.start(dpBroker, "127.0.0.1", 0, 4)) {
            String mpUrl = "http://127.0.0.1:" + mpServer.port() + "/";
            String dpUrl = "http://127.0.0.1:" + dpServer.port() + "/";
            byte[] sealedModel = new Sealer().sealBytes(model, modelKey, ContentType.MODEL);
            BatchTerms terms = new BatchTerms(jobId, Json.canonical(signed), sealedModel, mpUrl, dpUrl, "dataset", 4);
            try {
                ExecutorInstance first = ExecutorInstance.attest(terms, driver.statement());
                assertThat(ExecutorInstance.attest(new BatchTerms(jobId, Json.canonical(signed), sealedModel, mpUrl, dpUrl, "dataset", 4),
                driver.statement())).as("a later round's task with the same terms").isSameAs(first);

                for (BatchTerms other : List.of(
                        new BatchTerms(jobId, Json.canonical(signed), sealedModel, mpUrl, dpUrl, "dataset", 1),
                        new BatchTerms(jobId, Json.canonical(signed), sealedModel, mpUrl, dpUrl, "results", 4),
                        new BatchTerms(jobId, Json.canonical(signed), new Sealer().sealBytes(model, AssetKey.generate(),
                                ContentType.MODEL), mpUrl, dpUrl, "dataset", 4),
                        new BatchTerms(jobId, Json.canonical(signed), sealedModel, mpUrl, "http://127.0.0.1:1/", "dataset", 4))) {
                    assertThatThrownBy(() -> ExecutorInstance.attest(other, driver.statement()))
                            .as("other terms under the job's id")
                            .isInstanceOf(ProtocolException.class)
                            .hasMessageContaining("other terms");
                }
                assertThat(mpBroker.releaseCount(contract.hashHex())).as("the model provider's releases").isEqualTo(1);
                assertThat(dpBroker.releaseCount(contract.hashHex())).as("the data provider's releases").isEqualTo(1);
            } finally {
                ExecutorInstance.close(jobId);
            }
        }
    }
}
