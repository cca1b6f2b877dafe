package dev.veil.cli;

import dev.veil.attest.Platform;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.broker.BrokerRefused;
import dev.veil.enclave.broker.ModelKeyFromBroker;
import dev.veil.enclave.evidence.CodeMeasurement;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.enclave.serving.ServerTls;
import dev.veil.enclave.serving.ServingEnclave;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.provider.SealedAsset;
import dev.veil.seal.ContentType;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run a serving enclave: an HTTP server that many data providers query under one serving contract.",
                "It gets its model one of two ways: it starts with none and the model provider attests it and",
                "provisions the model ('veil provision'); or, with --model-broker and --sealed, it fetches the model key",
                "at start from the model provider's 'veil broker', which appraises it first (replicas, no one online).",
                "each data provider's request is sealed to the attested instance and answered sealed to it alone",
                "('veil infer'), and every answer is logged ('veil log audit'). The model stays until the contract",
                "expires or 'veil retire'; a restarted server has none. HTTP/1.1 and HTTP/2 on one port, in cleartext (h2c)",
                "or, with --tls-cert and --tls-key, over TLS (ALPN): confidentiality never depends on the transport.",
                "The measured settings are those of 'veil enclave':",
                "'veil enclave measure' with the same --platform, --batch-size, --threads and --party-timeout prints",
                "the measurement this server presents."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    EnclaveCommand.Settings settings;
    @Mixin
    EvidenceOptions evidence;
    @Option(names = "--contract", required = true, description = "the serving contract, signed by its model provider")
    Path contract;
    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
    String bind;
    @Option(names = "--port", defaultValue = "8443", description = "port (default ${DEFAULT-VALUE}; 0 = any free port)")
    int port;
    @Option(names = "--tls-cert", paramLabel = "CERT.pem", description = "serve over TLS with this certificate chain (PEM, "
            + "leaf first; the operator's own): HTTP/1.1 and HTTP/2 chosen by ALPN. Needs --tls-key")
    Path tlsCert;
    @Option(names = "--tls-key", paramLabel = "KEY.pem", description = "the certificate's private key (PEM PKCS#8, unencrypted), "
            + "readable by its owner only (mode 0600)")
    Path tlsKey;
    @Option(names = "--max-in-flight", defaultValue = "64",
            description = "requests worked on at once; one more is answered 503 with Retry-After (default ${DEFAULT-VALUE})")
    int maxInFlight;

    // The model key from the model provider's key broker at start, instead of an interactive 'veil provision'.
    @Option(names = "--model-broker", description = {"http://host:port of the model provider's 'veil broker': fetch the model key",
            "from it at start (this instance's evidence appraised there) and load --sealed; no 'veil provision' needed"})
    String modelBroker;
    @Option(names = "--sealed", description = "with --model-broker: the sealed model file (the contract's model, sealed by its provider)")
    Path sealedModel;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new CliFailure("--port " + port + " is not between 0 and 65535");
        }
        if (maxInFlight < 1) {
            throw new CliFailure("--max-in-flight must be at least 1");
        }
        ServerTls serverTls = tls();
        ServingContractVerifier.Verified c = ServingCli.contract(contract);
        URI broker = brokerOptions(c);
        EnclaveConfig cfg = settings.config(bind, port);
        if (c.contract().enclave().referenceValues().platform() != cfg.platform()) {
            throw new CliFailure("the serving contract requires platform " + c.contract().enclave().referenceValues().platform()
                    + " but --platform is " + cfg.platform());
        }
        ServingEnclave started;
        try {
            started = ServingEnclave.start(c, cfg, evidence.source(cfg), ServerLimits.defaults().withMaxInFlight(maxInFlight), serverTls);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(e.getMessage());
        } catch (IOException e) {
            throw new CliFailure("cannot start the serving enclave on " + cfg.platform() + ": " + e.getMessage());
        }
        try (ServingEnclave server = started) {
            if (broker != null) {
                provisionFromBroker(server, broker);
            }
            System.out.println(JsonOut.line(JsonOut.fields("listening", (serverTls == null ? "http://" : "https://") + bind + ":" + server.port(),
                    "tls", serverTls == null ? "off: requests and answers are sealed end to end all the same" : serverTls.subject(),
                    "platform", cfg.platform(),
                    "contract", c.hashHex(), "measurement", cfg.platform() == Platform.SIM ? Digests.hex(CodeMeasurement.compute(cfg))
                            : "reported by the hardware in each piece of evidence",
                    "instance_keys", Digests.hex(server.instance().instanceKeys().digest()))));
            System.out.flush();
            CountDownLatch forever = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
            forever.await();
        }
        return ExitCodes.OK;
    }

    /** The operator's certificate and key, checked; null without --tls-cert. */
    ServerTls tls() throws CliFailure, java.io.IOException {
        if (tlsCert == null && tlsKey == null) {
            return null;
        }
        if (tlsCert == null || tlsKey == null) {
            throw new CliFailure("--tls-cert and --tls-key go together: give the certificate chain and its private key");
        }
        UserPaths.input("--tls-cert", tlsCert);
        UserPaths.input("--tls-key", tlsKey);
        try {
            return ServerTls.load(tlsCert, tlsKey);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(e.getMessage());
        }
    }

    /** The broker's URL once both options and the sealed model check out against the contract; null without a broker. */
    private URI brokerOptions(ServingContractVerifier.Verified c) throws CliFailure, IOException {
        if (modelBroker == null && sealedModel == null) {
            return null;
        }
        if (modelBroker == null || sealedModel == null) {
            throw new CliFailure("--model-broker and --sealed go together: the broker releases the key of the sealed model");
        }
        URI broker = BrokerCommand.url("--model-broker", modelBroker);
        SealedAsset model;
        try {
            model = SealedAsset.of(UserPaths.input("--sealed", sealedModel));
        } catch (ProtocolException e) {
            throw new CliFailure(e.getMessage() + "; give the model provider's sealed model");
        }
        if (model.header().contentType() != ContentType.MODEL
                || !model.header().plaintextSha256Hex().equals(c.contract().model().sha256())) {
            throw new CliFailure("--sealed " + sealedModel + " is not the serving contract's model " + c.contract().model().sha256());
        }
        return broker;
    }

    private void provisionFromBroker(ServingEnclave server, URI broker) throws CliFailure, IOException {
        try {
            ModelKeyFromBroker.provision(server.instance(), broker, sealedModel);
        } catch (BrokerRefused e) {
            throw new CliFailure("no model key from the broker at " + broker + ": " + e.getMessage());
        }
    }
}
