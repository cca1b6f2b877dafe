package dev.veil.cli.demo;

import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.provider.ProviderFlow;
import dev.veil.provider.ProviderSession;
import dev.veil.seal.AssetKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Both providers as a hostile or careless provider drives the protocol: the steps of {@link ProviderFlow} without its
 * own-machine checks (the sealed file is the contract's asset, the replay record), so a test reaches the enclave's
 * checks behind them. Honest providers never get there; the enclave must refuse all the same.
 */
final class UncheckedCeremony {
    private UncheckedCeremony() {
    }

    static LocalCeremony.Run run(int port, SignedContract contract, Identity mp, byte[] sealedModel, AssetKey modelKey,
                                 Identity dp, byte[] sealedData, AssetKey dataKey) throws Exception {
        CountDownLatch modelIn = new CountDownLatch(1);
        ExecutorService mpThread = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<ProviderFlow.Outcome> mpRun = CompletableFuture.supplyAsync(() -> {
                try {
                    return unchecked(mp, Role.MODEL_PROVIDER, contract, port, sealedModel, modelKey, modelIn);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                } finally {
                    modelIn.countDown();
                }
            }, mpThread);
            modelIn.await(2, TimeUnit.MINUTES);
            ProviderFlow.Outcome dpOut = null;
            Exception dpErr = null;
            try {
                dpOut = unchecked(dp, Role.DATA_PROVIDER, contract, port, sealedData, dataKey, new CountDownLatch(1));
            } catch (Exception e) {
                dpErr = e;
            }
            ProviderFlow.Outcome mpOut = null;
            Exception mpErr = null;
            try {
                mpOut = mpRun.get(2, TimeUnit.MINUTES);
            } catch (ExecutionException e) {
                Throwable c = e.getCause() instanceof java.util.concurrent.CompletionException ce ? ce.getCause() : e.getCause();
                mpErr = c instanceof Exception ex ? ex : new IllegalStateException(c);
            }
            return new LocalCeremony.Run(mpOut, dpOut, mpErr, dpErr);
        } finally {
            mpThread.shutdownNow();
        }
    }

    private static ProviderFlow.Outcome unchecked(Identity id, Role role, SignedContract contract, int port, byte[] sealed,
                                                  AssetKey key, CountDownLatch uploaded) throws Exception {
        try (ProviderSession s = ProviderSession.connect(id, role, contract, "127.0.0.1", port)) {
            var enclave = s.attest(VerificationOptions.now());
            s.releaseKey(key);
            s.upload(sealed);
            uploaded.countDown();
            if (role == Role.DATA_PROVIDER) {
                return new ProviderFlow.Outcome(enclave, s.awaitResult(), null);
            }
            return new ProviderFlow.Outcome(enclave, null, s.awaitDiscard());
        }
    }
}
