package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.provider.ProviderFlow;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the model provider learns from WHEN its discard receipt arrives, now that the dataset streams through the
 * model as it is uploaded (review of issue 11).
 */
class StreamingTimingAttackTest {
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
        try (Ceremony c = new Ceremony(tempDir.resolve("enclave"));
             WithholdingRelay host = new WithholdingRelay(c.enclave.port());
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
            });
            assertThat(modelIn.await(60, TimeUnit.SECONDS)).as("the model provider's upload").isTrue();
            CompletableFuture<ProviderFlow.Outcome> dp = CompletableFuture.supplyAsync(() -> {
                try {
                    return ProviderFlow.run(Ceremony.DP, Role.DATA_PROVIDER, contract, "127.0.0.1", host.port(), sealedData, dk, now, l);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
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
        }
    }
}
