package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.VerificationOptions;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.provider.ProviderFlow;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.SealHeader;
import dev.veil.seal.Sealer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the dataset streaming through the model as it is uploaded (review of issue 11): what the model provider
 * learns from when its receipt arrives, and how long a host can hold a running session.
 */
class StreamingAttackTest {
    @TempDir
    Path tempDir;

    /**
     * The receipt says "discarded" whatever happened once the model had the data, so that a hostile model cannot
     * signal through the outcome. But a model that fails on a batch of its choice (chosen from the data) ends the
     * session there, mid-upload, and the model provider's receipt is sent at once, while the data provider is still
     * uploading: a host colluding with the model provider, which sees how many bytes of the upload it has forwarded
     * when the receipt goes out, learns the batch the model picked, without noise. Here the host forwards every data
     * frame of the dataset but holds back its end frame, and the model fails on the first batch: the model provider
     * must not get its receipt while the upload has not ended (the session's end must not depend on where in the
     * stream the model stopped).
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void modelThatFailsMidStreamTellsTheModelProviderWhereThroughItsReceiptsTiming() throws Exception {
        // Each provider on a thread of its own: the common pool may have a single thread (2 cores), and the model
        // provider's task blocks in a socket read until its receipt, which would hold the data provider's back.
        java.util.concurrent.ExecutorService providers = java.util.concurrent.Executors.newCachedThreadPool();
        try (Ceremony c = new Ceremony(tempDir.resolve("enclave"));
             WithholdingRelay host = WithholdingRelay.holdingDatasetEnd(c.enclave.port());
             AssetKey mk = AssetKey.generate();
             AssetKey dk = AssetKey.generate()) {
            byte[] model = HostileOnnx.reshapeByInputValues();
            // 20000 rows: more than one 64 KiB segment, so the first rows decrypt before the upload's end.
            byte[] data = "3,5\n".repeat(20_000).getBytes(StandardCharsets.US_ASCII);
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.scores(), c.policy()));
            byte[] sealedModel = new Sealer().sealBytes(model, mk, ContentType.MODEL);
            byte[] sealedData = new Sealer().sealBytes(data, dk, ContentType.DATASET);
            VerificationOptions now = VerificationOptions.now();
            CountDownLatch modelIn = new CountDownLatch(1);
            ProviderFlow.StepListener l = (role, step, nanos, detail) -> {
                if (role == Role.MODEL_PROVIDER && step.equals("upload")) {
                    modelIn.countDown();
                }
            };
            CompletableFuture<ProviderFlow.Outcome> mp = CompletableFuture.supplyAsync(() -> {
                try {
                    return ProviderFlow.run(Ceremony.MP, Role.MODEL_PROVIDER, contract, "127.0.0.1", host.port(), sealedModel, mk, now, l);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, providers);
            assertThat(modelIn.await(60, TimeUnit.SECONDS)).as("the model provider's upload").isTrue();
            CompletableFuture<ProviderFlow.Outcome> dp = CompletableFuture.supplyAsync(() -> {
                try {
                    return ProviderFlow.run(Ceremony.DP, Role.DATA_PROVIDER, contract, "127.0.0.1", host.port(), sealedData, dk, now, l);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, providers);
            assertThat(host.holding().await(60, TimeUnit.SECONDS)).as("the dataset's data frames all forwarded").isTrue();
            boolean receiptBeforeUploadEnded;
            try {
                ProviderFlow.Outcome early = mp.get(20, TimeUnit.SECONDS);
                assertThat(early.discard().receipt().outcome()).isEqualTo("discarded");
                receiptBeforeUploadEnded = true;
            } catch (java.util.concurrent.TimeoutException stillWaiting) {
                receiptBeforeUploadEnded = false;
            }
            host.release();
            dp.handle((o, e) -> null).get(60, TimeUnit.SECONDS);
            assertThat(receiptBeforeUploadEnded)
                    .as("the model provider's discard receipt arrived while the data provider's upload had not ended")
                    .isFalse();
        } finally {
            providers.shutdownNow();
        }
    }

    /**
     * The contract's time limit is armed only when the batch pipeline starts, but the stream header and the first
     * segment (to tell CSV from .npy and learn the row shape) are read before it, with both keys released and the
     * session RUNNING. A host that forwards the sealed header and then nothing holds the session for the idle timeout
     * plus the minimum-rate grace (5 + 5 minutes by default) whatever max_inference_seconds the parties agreed. Here
     * the contract allows 1 s and the enclave's idle timeout is 15 s: the session must end on the contract's time
     * limit (the model provider's receipt says timeout), not when the host's stall runs into the idle timeout.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void uploadStalledAfterTheSealedHeaderOutlivesTheContractsTimeLimit() throws Exception {
        EnclaveConfig.ServiceLimits d = EnclaveConfig.ServiceLimits.defaults();
        EnclaveConfig config = EnclaveConfig.simDefaults(tempDir.resolve("enclave")).withPartyTimeout(Duration.ofSeconds(20))
                .withBatchSize(64).withLimits(new EnclaveConfig.ServiceLimits(d.handshakeTimeout(), Duration.ofSeconds(15),
                        d.maxConnections(), d.maxConnectionsPerSource(), d.maxOpenSessions(), d.maxTombstones()));
        try (Ceremony c = new Ceremony(config);
             WithholdingRelay host = WithholdingRelay.stallingDatasetAfter(c.enclave.port(), SealHeader.LENGTH)) {
            byte[] model = Ceremony.digitsModel(5);
            byte[] data = Ceremony.evaluationData().featuresCsv();
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy(),
                    new SessionLimits(null, SessionLimits.DEFAULT_MAX_ROWS, 1)));
            LocalCeremony.Run run = c.runVia(host.port(), contract, model, data);
            assertThat(run.mpError()).isNull();
            assertThat(run.mp().discard().receipt().outcome())
                    .as("the session must end on the contract's 1 s time limit, not on the host's 15 s stall")
                    .isEqualTo(DiscardReceipt.failed(FailureCode.TIMEOUT));
        }
    }
}
