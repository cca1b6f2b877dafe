package dev.veil.cli.demo;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The demo's enclave, started on a thread of its own: its boot (ONNX Runtime's libraries, the first inference worker,
 * the code measurement) overlaps the providers' preparation instead of following it,
 * as it would with the parties on separate machines.
 */
final class EnclaveBoot implements AutoCloseable {
    private final CompletableFuture<EnclaveServer> server = new CompletableFuture<>();
    private final long startedNanos = System.nanoTime();
    private volatile long bootNanos;

    private EnclaveBoot() {
    }

    static EnclaveBoot start(EnclaveConfig config) {
        EnclaveBoot boot = new EnclaveBoot();
        Thread t = new Thread(() -> {
            try {
                // the code measurement is made during the boot, after the inference worker has been started; no AES-GCM
                // warm-up: the providers seal their assets in this JVM before the enclave decrypts them, which compiles
                // the same path
                EnclaveServer s = EnclaveServer.start(config, () -> EnclaveServer.evidenceSourceFor(config),
                        EnclaveServer.AesGcmWarmup.NOT_NEEDED);
                s.servesOneSession();   // the demo's one session takes the worker started at boot; none is started after it
                boot.bootNanos = System.nanoTime() - boot.startedNanos;
                boot.server.complete(s);
            } catch (Throwable e) {
                boot.server.completeExceptionally(e);
            }
        }, "veil-demo-enclave-boot");
        t.setDaemon(true);
        t.start();
        return boot;
    }

    /** The running enclave, once booted; its boot's failure is thrown as it was. */
    EnclaveServer server() throws Exception {
        try {
            return server.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw new IllegalStateException("the enclave did not start", e.getCause());
        }
    }

    /** How long the boot itself took (it ran alongside the providers' steps). */
    double millis() {
        return bootNanos / 1e6;
    }

    /**
     * Stops the enclave, waiting for a boot still under way: nothing of the demo may go on writing into its work folder
     * after the command has returned.
     */
    @Override
    public void close() {
        try {
            server().close();
        } catch (Exception e) {
            // the boot failed (its failure was reported) or the socket was already closed: nothing else is held
        }
    }
}
