package dev.veil.enclave;

import dev.veil.attest.Platform;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the enclave runs. The fields that change what the enclave does with the providers' assets are part of its
 * measurement ({@link #measuredSettings()}), so a provider who accepts a measurement accepts these settings too. The
 * connection limits are not: they only decide whom the enclave serves and when, which the host decides anyway.
 * @param platform the platform whose evidence the enclave offers
 * @param bindAddress interface to listen on (loopback unless deployed)
 * @param workDir the enclave's own working directory (ORT native libraries; never plaintext assets)
 * @param batchSize rows per inference call
 * @param intraOpThreads ONNX Runtime threads per inference call, or {@link #ALL_CORES}
 * @param maxModelBytes limit on the sealed model, which is held in memory
 * @param maxDatasetBytes limit on the sealed dataset, which streams through the model and is never held whole
 * @param partyTimeout how long a session waits for both providers to release their keys before it is discarded
 * @param simulateDebug sim only: report a debug enclave (to exercise the verifier's refusal)
 * @param limits connection and session bounds that keep one peer from starving the others
 */
public record EnclaveConfig(Platform platform, String bindAddress, int port, Path workDir, int batchSize, int intraOpThreads,
                            long maxModelBytes, long maxDatasetBytes, Duration partyTimeout, boolean simulateDebug,
                            ServiceLimits limits) {
    /**
     * @param handshakeTimeout how long each message the enclave asks for may take to arrive whole, however it is paced:
     *                         the hello (from the connection), the key release (from the evidence offer), the upload's
     *                         announcement (from the key release's acceptance)
     * @param idleTimeout how long one read waits for the peer's next bytes and one write for the peer to take them; also
     *                    the window in which an upload must keep the minimum rate
     * @param maxConnections connections served at once; more are closed at once
     * @param maxConnectionsPerSource connections served at once from one address
     * @param maxOpenSessions sessions open at once (waiting for parties or running); a hello for a new one is refused
     * @param maxTombstones used contracts remembered; the oldest is forgotten first (providers keep their own record)
     */
    public record ServiceLimits(Duration handshakeTimeout, Duration idleTimeout, int maxConnections, int maxConnectionsPerSource,
                                int maxOpenSessions, int maxTombstones) {
        public static ServiceLimits defaults() {
            return new ServiceLimits(Duration.ofSeconds(30), Duration.ofMinutes(5), 256, 32, 64, 100_000);
        }

        public ServiceLimits {
            if (handshakeTimeout.isNegative() || handshakeTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()
                    || maxConnections < 2 || maxConnectionsPerSource < 2 || maxOpenSessions < 1 || maxTombstones < 1) {
                throw new IllegalArgumentException("service limits must be positive and allow two connections");
            }
        }
    }

    public EnclaveConfig {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is not 0 (any free port) to 65535");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size " + batchSize + " is not a positive number of rows");
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("thread count " + intraOpThreads + " is negative (0 means all cores)");
        }
        if (partyTimeout.isNegative() || partyTimeout.isZero() || maxModelBytes < 1 || maxDatasetBytes < 1) {
            throw new IllegalArgumentException("timeouts and size limits must be positive");
        }
    }

    /** The settings before service limits existed; the limits take their defaults. */
    public EnclaveConfig(Platform platform, String bindAddress, int port, Path workDir, int batchSize, int intraOpThreads,
                         long maxModelBytes, long maxDatasetBytes, Duration partyTimeout, boolean simulateDebug) {
        this(platform, bindAddress, port, workDir, batchSize, intraOpThreads, maxModelBytes, maxDatasetBytes, partyTimeout,
                simulateDebug, ServiceLimits.defaults());
    }

    /** {@code intraOpThreads} value meaning one ONNX Runtime thread per available core, counted when a model loads. */
    public static final int ALL_CORES = 0;

    public static EnclaveConfig simDefaults(Path workDir) {
        return new EnclaveConfig(Platform.SIM, "127.0.0.1", 0, workDir, 256, ALL_CORES,
                1L << 30, 64L << 30, Duration.ofMinutes(5), false);
    }

    public EnclaveConfig withPort(int p) {
        return new EnclaveConfig(platform, bindAddress, p, workDir, batchSize, intraOpThreads, maxModelBytes, maxDatasetBytes, partyTimeout, simulateDebug, limits);
    }

    public EnclaveConfig withSimulateDebug(boolean debug) {
        return new EnclaveConfig(platform, bindAddress, port, workDir, batchSize, intraOpThreads, maxModelBytes, maxDatasetBytes, partyTimeout, debug, limits);
    }

    public EnclaveConfig withPartyTimeout(Duration t) {
        return new EnclaveConfig(platform, bindAddress, port, workDir, batchSize, intraOpThreads, maxModelBytes, maxDatasetBytes, t, simulateDebug, limits);
    }

    public EnclaveConfig withBatchSize(int b) {
        return new EnclaveConfig(platform, bindAddress, port, workDir, b, intraOpThreads, maxModelBytes, maxDatasetBytes, partyTimeout, simulateDebug, limits);
    }

    public EnclaveConfig withLimits(ServiceLimits l) {
        return new EnclaveConfig(platform, bindAddress, port, workDir, batchSize, intraOpThreads, maxModelBytes, maxDatasetBytes, partyTimeout, simulateDebug, l);
    }

    /**
     * The settings covered by the measurement, as one canonical line. It names what was configured, never what the
     * machine resolved it to ("every core" is {@code auto}), so one build measures the same on every machine.
     */
    public String measuredSettings() {
        return "platform=" + platform.id() + ";batch=" + batchSize + ";threads=" + (intraOpThreads == ALL_CORES ? "auto" : intraOpThreads)
                + ";max_model=" + maxModelBytes
                + ";max_dataset=" + maxDatasetBytes + ";party_timeout=" + partyTimeout.toSeconds();
    }
}
