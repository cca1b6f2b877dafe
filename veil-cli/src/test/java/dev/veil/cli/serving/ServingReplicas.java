package dev.veil.cli.serving;

import dev.veil.cli.demo.TestModelTerms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import dev.veil.enclave.evidence.CodeMeasurement;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.enclave.serving.ServingEnclave;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.DataProviderAccess;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.protocol.serving.ServingContract;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.ServingLimits;
import dev.veil.protocol.serving.SignedServingContract;
import dev.veil.provider.SealedAsset;
import dev.veil.provider.broker.BrokerMetrics;
import dev.veil.provider.broker.BrokerServer;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.BrokeredContract;
import dev.veil.provider.broker.KeyBroker;
import dev.veil.provider.serving.ServingClient;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replicas of one serving contract on 127.0.0.1, for the real OCR model: the contract (pinning the measurement of the
 * settings {@link #SERVE_SETTINGS}, allowing {@code max_instances} replicas), its file, the sealed model and its key,
 * the model provider's key broker, and replicas started in this JVM (provisioned by the model provider) or as child
 * processes running {@code veil serve --model-broker} with the same class path (so the same measurement), which take
 * the model key from the broker at start.
 */
public final class ServingReplicas implements AutoCloseable {
    /** 'veil serve' settings whose measurement the contract pins; the rest are 'veil serve''s defaults. */
    static final List<String> SERVE_SETTINGS = List.of("--batch-size", "64");

    /** A replica in a child JVM, which the test can kill. */
    record Child(Process process, URI uri, Path log) {
    }

    final Path dir;
    final EnclaveConfig config;
    final ServingContractVerifier.Verified contract;
    final Path contractFile;
    final Path sealedModel;
    final AssetKey modelKey;
    private final List<ServingEnclave> inProcess = new ArrayList<>();
    private final List<Child> children = new ArrayList<>();

    private KeyBroker broker;
    private BrokerServer brokerServer;

    public ServingReplicas(Path dir, ServingBudget budget, int maxInstances) throws Exception {
        this.dir = dir;
        this.config = EnclaveConfig.simDefaults(dir.resolve("enclave")).withBatchSize(64);
        byte[] model = Files.readAllBytes(ServingFixture.MODEL);
        EnclavePolicy policy = new EnclavePolicy(dev.veil.attest.Platform.SIM, List.of(Digests.hex(CodeMeasurement.compute(config))), false, true);
        ServingContract c = ServingContract.draft(TestModelTerms.of(model, "test-model"), ServingFixture.MP.publicIdentity(),
                policy, KeyWrapSuite.MLKEM768_X25519, OutputPolicy.scores(),
                DataProviderAccess.only(List.of(ServingFixture.DP.publicIdentity(), ServingFixture.DP2.publicIdentity())),
                budget, new ServingLimits((int) Math.min(16, budget.rowsPerDay() / maxInstances), 30), Instant.now().plus(Duration.ofHours(1)))
                .withMaxInstances(maxInstances);
        SignedServingContract signed = SignedServingContract.unsigned(c).signedBy(ServingFixture.MP);
        this.contract = ServingContractVerifier.verify(signed, Instant.now());
        this.contractFile = dir.resolve("contract.json");
        Files.writeString(contractFile, Json.pretty(signed));
        this.modelKey = AssetKey.generate();
        this.sealedModel = dir.resolve("model.veil");
        Files.write(sealedModel, new Sealer().sealBytes(model, modelKey, ContentType.MODEL));
    }

    /** A replica in this JVM with {@code config}'s settings (the contract's, unless the test changed them). */
    URI startInProcess(EnclaveConfig settings) throws Exception {
        EnclaveConfig c = settings.withPort(0);
        ServingEnclave e = ServingEnclave.start(contract, c, EnclaveServer.evidenceSourceFor(c), ServerLimits.defaults());
        inProcess.add(e);
        return URI.create("http://127.0.0.1:" + e.port() + "/");
    }

    /** The model provider's key broker for this contract, in this JVM, holding the model key; its URL. */
    public URI startBroker() throws Exception {
        broker = KeyBroker.open(ServingFixture.MP, modelKey, List.of(new BrokeredContract.Serving(contract)),
                BrokerState.open(dir.resolve("broker")), KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        brokerServer = BrokerServer.start(broker, "127.0.0.1", 0, 4);
        return URI.create("http://127.0.0.1:" + brokerServer.port() + "/");
    }

    /** 'veil serve --model-broker' in a child JVM, on a free port; returns once it has the model key and listens. */
    Child startChild(String name, URI modelBroker) throws Exception {
        Path work = dir.resolve(name);
        Path log = dir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.veil.cli.VeilCommand",
                "serve", "--contract", contractFile.toString(), "--port", "0", "--work-dir", work.toString(),
                "--model-broker", modelBroker.toString(), "--sealed", sealedModel.toString()));
        cmd.addAll(SERVE_SETTINGS);
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        children.add(new Child(p, null, log));
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            Matcher m = Pattern.compile("\"listening\":\"(http://[^\"]+)\"").matcher(line);
            if (m.find()) {
                Child c = new Child(p, URI.create(m.group(1) + "/"), log);
                children.set(children.size() - 1, c);
                return c;
            }
        }
        throw new AssertionError("'veil serve' " + name + " exited before listening: " + Files.readString(log));
    }

    /** The model provider attests {@code replica} and releases the model key to it. */
    void provision(URI replica) throws Exception {
        new ServingClient(replica, contract).provisionUncounted(ServingFixture.MP, SealedAsset.of(sealedModel), modelKey, sealedModel);
    }

    /** How many requests {@code replica}'s log holds, from its head signed by the attested instance. */
    long answered(URI replica) throws Exception {
        return new ServingClient(replica, contract).audit(null).head().treeSize();
    }

    @Override
    public void close() throws Exception {
        for (ServingEnclave e : inProcess) {
            e.close();
        }
        for (Child c : children) {
            c.process().destroyForcibly();
            assertThat(c.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        if (brokerServer != null) {
            brokerServer.close();
            broker.close();
        }
        modelKey.close();
    }
}
