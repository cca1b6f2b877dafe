package dev.veil.enclave;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the enclave runs. The fields that change its behaviour towards the providers are part of its measurement
 * ({@link #measuredSettings()}), so a provider who accepts a measurement accepts these settings too.
 * @param platform evidence platform, e.g. "sim"
 * @param bindAddress interface to listen on (loopback unless deployed)
 * @param workDir the enclave's own working directory (ORT native libraries; never plaintext assets)
 * @param batchSize rows per inference call
 * @param intraOpThreads ONNX Runtime threads per inference call
 * @param maxModelBytes, maxDatasetBytes limits on sealed uploads, held in memory
 * @param partyTimeout how long a session waits for the second provider before it is discarded
 * @param simulateDebug sim only: report a debug enclave (to exercise the verifier's refusal)
 */
public record EnclaveConfig(String platform, String bindAddress, int port, Path workDir, int batchSize, int intraOpThreads,
                            long maxModelBytes, long maxDatasetBytes, Duration partyTimeout, boolean simulateDebug) {
    public static EnclaveConfig simDefaults(Path workDir) {
        return new EnclaveConfig("sim", "127.0.0.1", 0, workDir, 256, Math.max(1, Runtime.getRuntime().availableProcessors()),
                1L << 30, (1L << 31) - (1L << 20), Duration.ofMinutes(5), false);
    }

    public EnclaveConfig withPort(int p) {
        return new EnclaveConfig(platform, bindAddress, p, workDir, batchSize, intraOpThreads, maxModelBytes, maxDatasetBytes, partyTimeout, simulateDebug);
    }

    public EnclaveConfig withSimulateDebug(boolean debug) {
        return new EnclaveConfig(platform, bindAddress, port, workDir, batchSize, intraOpThreads, maxModelBytes, maxDatasetBytes, partyTimeout, debug);
    }

    public EnclaveConfig withPartyTimeout(Duration t) {
        return new EnclaveConfig(platform, bindAddress, port, workDir, batchSize, intraOpThreads, maxModelBytes, maxDatasetBytes, t, simulateDebug);
    }

    public EnclaveConfig withBatchSize(int b) {
        return new EnclaveConfig(platform, bindAddress, port, workDir, b, intraOpThreads, maxModelBytes, maxDatasetBytes, partyTimeout, simulateDebug);
    }

    /** The settings covered by the measurement, as one canonical line. */
    public String measuredSettings() {
        return "platform=" + platform + ";batch=" + batchSize + ";threads=" + intraOpThreads + ";max_model=" + maxModelBytes
                + ";max_dataset=" + maxDatasetBytes + ";party_timeout=" + partyTimeout.toSeconds();
    }
}
