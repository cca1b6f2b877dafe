package dev.veil.enclave;

import dev.veil.attest.Simulation;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.enclave.inference.NativeLibraries;
import dev.veil.enclave.session.ProviderConnection;
import dev.veil.enclave.session.SessionRegistry;
import dev.veil.protocol.wire.FrameChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The enclave process's network face: accepts provider connections and runs each through the ceremony. */
public final class EnclaveServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnclaveServer.class);

    private final EnclaveConfig config;
    private final EvidenceSource evidence;
    private final ServerSocket server;
    private final SessionRegistry sessions;
    // One thread per connection being served; the limiter, not the pool, bounds how many there are.
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "veil-enclave-conn");
        t.setDaemon(true);
        return t;
    });
    private final ConnectionLimiter limiter;
    private final Thread acceptor;

    private EnclaveServer(EnclaveConfig config, EvidenceSource evidence, SessionRegistry sessions) throws IOException {
        this.config = config;
        this.evidence = evidence;
        this.sessions = sessions;
        this.limiter = new ConnectionLimiter(config.limits().maxConnections(), config.limits().maxConnectionsPerSource());
        this.server = new ServerSocket(config.port(), 50, InetAddress.getByName(config.bindAddress()));
        this.acceptor = new Thread(this::acceptLoop, "veil-enclave-accept");
        acceptor.setDaemon(true);
    }

    /** Starts the enclave with an evidence source made beforehand (its code measurement then precedes the whole boot). */
    public static EnclaveServer start(EnclaveConfig config, EvidenceSource evidence) throws IOException {
        return start(config, () -> evidence);
    }

    /**
     * Boots the enclave, ordered so that its costs overlap on a machine with more than one core: the AES-GCM warm-up
     * runs beside the boot on a thread of its own (nothing waits for it; it only has to be done before the first large
     * decryption, which follows two attestations), and the first session's inference worker is started as soon as
     * ONNX Runtime's libraries are in place, so that its JVM start and ONNX Runtime's initialisation run on another core
     * while this thread makes the evidence source (for sim: the code measurement, SHA-384 over every jar). This
     * process itself never loads ONNX Runtime: batch inference runs only in worker processes, and each verifies the
     * libraries against their pinned digests just before it loads them ({@link NativeLibraries}).
     */
    public static EnclaveServer start(EnclaveConfig config, EvidenceSupplier evidenceSupplier) throws IOException {
        return start(config, evidenceSupplier, AesGcmWarmup.IN_BACKGROUND);
    }

    /** Whether the boot warms up the JIT's AES-GCM path (see {@link dev.veil.seal.JitWarmup}). */
    public enum AesGcmWarmup {
        /** An enclave process of its own: nothing else in it has run AES-GCM before the first upload. */
        IN_BACKGROUND,
        /**
         * A process whose own work compiles that path before the enclave decrypts anything: the demo, whose providers seal
         * their assets in the same JVM before they upload them (a probe on JDK 17: 38 MiB decrypted in 0.07–0.16 s of CPU
         * after the same JVM sealed it, as after the warm-up, which itself costs 0.8–0.9 s of process CPU).
         */
        NOT_NEEDED
    }

    /** As {@link #start(EnclaveConfig, EvidenceSupplier)}, with the AES-GCM warm-up chosen by the caller. */
    public static EnclaveServer start(EnclaveConfig config, EvidenceSupplier evidenceSupplier, AesGcmWarmup warmup) throws IOException {
        if (warmup == AesGcmWarmup.IN_BACKGROUND) {
            dev.veil.seal.JitWarmup.runInBackground();
        }
        java.nio.file.Files.createDirectories(config.workDir());
        dev.veil.enclave.session.SealedResultsFile.clearLeftovers(config.workDir());
        NativeLibraries.prepareForWorkers();   // once per installation; each worker's start verifies them before its load
        SessionRegistry sessions = new SessionRegistry(config);
        sessions.prestartWorker();   // the first session's inference worker starts now, not after its key release
        EnclaveServer s;
        try {
            EvidenceSource evidence = evidenceSupplier.get();
            evidence.probe();
            if (evidence.platform() == dev.veil.attest.Platform.SIM) {
                LOG.warn(Simulation.ONE_LINE);
            }
            s = new EnclaveServer(config, evidence, sessions);
        } catch (IOException | RuntimeException | Error e) {
            sessions.close();   // ends the worker started above
            throw e;
        }
        s.acceptor.start();
        LOG.info("enclave listening on {}:{} (platform {}; {})", config.bindAddress(), s.port(), s.evidence.platform(), JvmHeap.describe());
        return s;
    }

    /** Makes the enclave's evidence source during the boot; for sim, that computes the code measurement. */
    @FunctionalInterface
    public interface EvidenceSupplier {
        EvidenceSource get() throws IOException;
    }

    /**
     * For a process that runs one session and exits (the demo): no inference worker is started ahead for a next session
     * once that session's has exited. The first session still takes the worker started at boot.
     */
    public void servesOneSession() {
        sessions.stopPrestartingWorkers();
    }

    /** The evidence source for the configured platform, at its standard location. */
    public static EvidenceSource evidenceSourceFor(EnclaveConfig config) {
        return dev.veil.enclave.evidence.EvidenceSources.forPlatform(config, null, java.util.List.of());
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                InetAddress source = s.getInetAddress();
                if (!limiter.tryAcquire(source)) {
                    LOG.warn("connection from {} refused: too many connections", source.getHostAddress());
                    s.close();
                    continue;
                }
                workers.submit(() -> {
                    try (FrameChannel ch = new FrameChannel(s)) {
                        new ProviderConnection(ch, sessions, evidence, config).serve();
                    } catch (IOException e) {
                        LOG.debug("connection closed: {}", LogText.escape(e.getMessage()));
                    } finally {
                        limiter.release(source);
                    }
                });
            } catch (SocketException e) {
                return;   // closed
            } catch (IOException e) {
                LOG.warn("accept failed: {}", LogText.escape(e.getMessage()));
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sessions.close();
        workers.shutdownNow();
    }
}
