package dev.veil.enclave.serving;

import dev.veil.attest.Simulation;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.enclave.inference.NativeLibraries;
import dev.veil.enclave.inference.OrtRuntime;
import dev.veil.protocol.serving.ServingContractVerifier;
import java.io.IOException;
import java.nio.file.Files;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A serving enclave: one {@link ServingInstance} behind one {@link ServingServer}. It starts with no model; the model
 * provider attests it and provisions the model over HTTP. Its instance keys live as long as the process.
 */
public final class ServingEnclave implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServingEnclave.class);

    private final ServingInstance instance;
    private final ServingServer server;

    private ServingEnclave(ServingInstance instance, ServingServer server) {
        this.instance = instance;
        this.server = server;
    }

    /** {@code config} gives the platform, the measured settings, the bind address and port, as for the batch enclave. */
    public static ServingEnclave start(ServingContractVerifier.Verified contract, EnclaveConfig config, EvidenceSource evidence,
                                       ServerLimits limits) throws IOException {
        return start(contract, config, evidence, limits, null);
    }

    /** As above, over TLS with the operator's certificate when {@code tls} is given (null: cleartext). */
    public static ServingEnclave start(ServingContractVerifier.Verified contract, EnclaveConfig config, EvidenceSource evidence,
                                       ServerLimits limits, ServerTls tls) throws IOException {
        return start(contract, config, evidence, limits, tls, null);
    }

    /**
     * As above, the instance deciding by {@code clock} (tests step it as a host steps its wall clock); null: the
     * process's monotonic clock ({@link ProcessClock}).
     */
    public static ServingEnclave start(ServingContractVerifier.Verified contract, EnclaveConfig config, EvidenceSource evidence,
                                       ServerLimits limits, ServerTls tls, java.time.Clock clock) throws IOException {
        evidence.probe();
        if (evidence.platform() == dev.veil.attest.Platform.SIM) {
            LOG.warn(Simulation.ONE_LINE);
        }
        Files.createDirectories(config.workDir());
        NativeLibraries.prepare();
        OrtRuntime.environment();
        ServingMetrics metrics = new ServingMetrics();
        ServingInstance instance = new ServingInstance(contract, config, evidence, metrics,
                clock == null ? new ProcessClock() : clock, limits.maxAnswerBytes());
        try {
            ServingServer server = ServingServer.start(config.bindAddress(), config.port(), limits, metrics,
                    ServingEndpoints.of(instance, limits),
                    dev.veil.protocol.json.Digests.hex(instance.instanceKeys().digest()), tls);
            return new ServingEnclave(instance, server);
        } catch (IOException | RuntimeException e) {
            instance.close();
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    public ServingInstance instance() {
        return instance;
    }

    /** Stops answering, then drops the model (closing ONNX Runtime's session) and wipes the instance keys. */
    @Override
    public void close() {
        server.close();
        instance.close();
    }
}
