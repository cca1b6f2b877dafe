package dev.veil.enclave;

import dev.veil.attest.Simulation;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.enclave.inference.NativeLibraries;
import dev.veil.enclave.inference.OrtRuntime;
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

    private EnclaveServer(EnclaveConfig config, EvidenceSource evidence) throws IOException {
        this.config = config;
        this.evidence = evidence;
        java.nio.file.Files.createDirectories(config.workDir());
        dev.veil.enclave.session.SealedResultsFile.clearLeftovers(config.workDir());
        NativeLibraries.prepare();   // once per installation, verified before each load
        this.sessions = new SessionRegistry(config);
        this.limiter = new ConnectionLimiter(config.limits().maxConnections(), config.limits().maxConnectionsPerSource());
        this.server = new ServerSocket(config.port(), 50, InetAddress.getByName(config.bindAddress()));
        this.acceptor = new Thread(this::acceptLoop, "veil-enclave-accept");
        acceptor.setDaemon(true);
    }

    public static EnclaveServer start(EnclaveConfig config, EvidenceSource evidence) throws IOException {
        evidence.probe();
        // Compile the AES-GCM path before the first session arrives (providers attest first, so this is free).
        dev.veil.seal.JitWarmup.runInBackground();
        if (evidence.platform() == dev.veil.attest.Platform.SIM) {
            LOG.warn(Simulation.ONE_LINE);
        }
        EnclaveServer s = new EnclaveServer(config, evidence);
        OrtRuntime.environment();   // loads ONNX Runtime with telemetry off, before any model arrives
        s.sessions.prestartWorker();   // the first session's inference worker starts now, not after its key release
        s.acceptor.start();
        LOG.info("enclave listening on {}:{} (platform {}; {})", config.bindAddress(), s.port(), evidence.platform(), JvmHeap.describe());
        return s;
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
