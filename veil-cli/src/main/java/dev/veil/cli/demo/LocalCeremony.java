package dev.veil.cli.demo;

import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.provider.ProviderFlow;
import dev.veil.provider.SealedAsset;
import dev.veil.provider.TrustedCollateral;
import dev.veil.provider.replay.ReplayGuard;
import dev.veil.seal.AssetKey;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Both providers' flows against one enclave on this machine, each on its own connection: the model provider first
 * (it attests, releases and uploads, then waits for its discard receipt), the data provider once the model is in.
 * Used by the demo, the tests and the benchmarks.
 */
public final class LocalCeremony {
    /** Both outcomes; a provider's failure is kept, not thrown, so callers can inspect either side. */
    public record Run(ProviderFlow.Outcome mp, ProviderFlow.Outcome dp, Exception mpError, Exception dpError) {
        public void requireSuccess() throws Exception {
            if (mpError != null) {
                throw mpError;
            }
            if (dpError != null) {
                throw dpError;
            }
        }
    }

    private LocalCeremony() {
    }

    public static Run run(String host, int port, SignedContract contract, Identity mp, byte[] sealedModel, AssetKey modelKey,
                          Identity dp, byte[] sealedData, AssetKey dataKey, ProviderFlow.StepListener listener)
            throws InterruptedException, IOException, ProtocolException {
        return run(host, port, contract, mp, sealedModel, modelKey, dp, SealedAsset.of(sealedData), dataKey, listener);
    }

    /** As above, with the data provider's sealed dataset in memory or streamed from its file. */
    public static Run run(String host, int port, SignedContract contract, Identity mp, byte[] sealedModel, AssetKey modelKey,
                          Identity dp, SealedAsset sealedData, AssetKey dataKey, ProviderFlow.StepListener listener)
            throws InterruptedException {
        CountDownLatch modelIn = new CountDownLatch(1);
        ProviderFlow.StepListener l = (role, step, nanos, detail) -> {
            listener.stepDone(role, step, nanos, detail);
            if (role == Role.MODEL_PROVIDER && step.equals("upload")) {
                modelIn.countDown();
            }
        };
        VerificationOptions now = VerificationOptions.now();
        CompletableFuture<ProviderFlow.Outcome> mpRun = CompletableFuture.supplyAsync(() -> {
            try {
                return ProviderFlow.run(mp, Role.MODEL_PROVIDER, contract, host, port, sealedModel, modelKey, now, l);
            } catch (Exception e) {
                throw new CompletionException(e);
            } finally {
                modelIn.countDown();
            }
        });
        modelIn.await(10, TimeUnit.MINUTES);
        ProviderFlow.Outcome dpOut = null;
        Exception dpErr = null;
        try {
            dpOut = ProviderFlow.run(dp, Role.DATA_PROVIDER, contract, host, port, sealedData, dataKey, now,
                    TrustedCollateral.NONE, ReplayGuard.NONE, null, l);
        } catch (Exception e) {
            dpErr = e;
        }
        ProviderFlow.Outcome mpOut = null;
        Exception mpErr = null;
        try {
            mpOut = mpRun.get(10, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof CompletionException ce ? ce.getCause() : e.getCause();
            mpErr = c instanceof Exception ex ? ex : new IllegalStateException(c);
        } catch (java.util.concurrent.TimeoutException e) {
            mpErr = e;
        }
        return new Run(mpOut, dpOut, mpErr, dpErr);
    }
}
