package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.veil.cli.CliTest;
import dev.veil.enclave.broker.BrokerRefused;
import dev.veil.enclave.broker.ModelKeyFromBroker;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.enclave.serving.ServingInstance;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.provider.broker.BrokerMetrics;
import dev.veil.provider.broker.BrokerServer;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.BrokeredContract;
import dev.veil.provider.broker.KeyBroker;
import dev.veil.provider.serving.ServingClient;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.net.URI;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving instances provisioned by the model provider's key broker, over real sockets on 127.0.0.1 with the sim TEE and
 * the real OCR model: no interactive provisioning, answers as the plain runtime's, the contract's max_instances held,
 * and a refused release one line and exit 2 from {@code veil serve}.
 */
class ServingFromBrokerTest {
    @TempDir
    Path dir;

    private static float[] plainOrt(byte[] inputsNpz) throws Exception {
        Tensor x = Npz.read(inputsNpz, 1 << 26).get("x");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(Files.readAllBytes(ServingFixture.MODEL), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.floats()), x.shape());
             OrtSession.Result r = s.run(Map.of("x", t))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] v = new float[fb.remaining()];
            fb.get(v);
            return v;
        }
    }

    private KeyBroker broker(ServingFixture f) throws Exception {
        return KeyBroker.open(ServingFixture.MP, f.modelKey, List.of(new BrokeredContract.Serving(f.contract)),
                BrokerState.open(dir.resolve("broker")), KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
    }

    @Test
    void instanceFetchesTheModelKeyFromTheBrokerAndServesAsThePlainRuntime() throws Exception {
        try (ServingFixture f = new ServingFixture(dir); KeyBroker b = broker(f); BrokerServer server = BrokerServer.start(b, "127.0.0.1", 0, 4)) {
            URI url = URI.create("http://127.0.0.1:" + server.port() + "/");
            ModelKeyFromBroker.provision(f.enclave.instance(), url, f.sealedModel);
            assertThat(f.enclave.instance().state()).isEqualTo(ServingInstance.State.SERVING);
            byte[] in = ServingFixture.crops(2, 5);
            ServingClient dp = f.client();
            Tensor out = Npz.read(dp.infer(ServingFixture.DP, in).outputsNpz(), 1 << 26).get("softmax_0.tmp_0");
            assertThat(out.floats()).containsExactly(plainOrt(in));
        }
    }

    @Test
    void secondReplicaPastMaxInstancesGetsNoKey() throws Exception {
        try (ServingFixture f = new ServingFixture(dir); KeyBroker b = broker(f); BrokerServer server = BrokerServer.start(b, "127.0.0.1", 0, 4)) {
            URI url = URI.create("http://127.0.0.1:" + server.port() + "/");
            ModelKeyFromBroker.provision(f.enclave.instance(), url, f.sealedModel);
            f.enclave.close();
            f.start(ServerLimits.defaults());   // a new instance, new keys: the contract allows one (max_instances absent)
            assertThatThrownBy(() -> ModelKeyFromBroker.provision(f.enclave.instance(), url, f.sealedModel))
                    .isInstanceOfSatisfying(BrokerRefused.class, e -> assertThat(e.reason()).isEqualTo("instance_limit"));
            assertThat(f.enclave.instance().state()).isEqualTo(ServingInstance.State.EMPTY);
        }
    }

    @Test
    void serveWithARefusingBrokerSaysSoInOneLineAndExitsTwo() throws Exception {
        try (ServingFixture f = new ServingFixture(dir); KeyBroker b = broker(f); BrokerServer server = BrokerServer.start(b, "127.0.0.1", 0, 4)) {
            f.enclave.close();
            Path contract = Files.writeString(dir.resolve("serving.json"), Json.pretty(f.signed));
            assertThat(CliTest.veil("broker", "revoke", "--state", dir.resolve("broker").toString(), "--all").code()).isZero();
            CliTest.Result r = CliTest.veil("serve", "--contract", contract.toString(), "--port", "0", "--work-dir",
                    dir.resolve("work").toString(), "--model-broker", "http://127.0.0.1:" + server.port(), "--sealed",
                    f.sealedModel.toString());
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines().filter(l -> l.startsWith("veil:")).toList()).singleElement().asString()
                    .contains("no model key from the broker").contains("revoked");
        }
    }

    @Test
    void brokerCommandsRecordRevokeAndDetectATamperedRecord() throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            Path state = dir.resolve("broker");
            try (KeyBroker b = broker(f); BrokerServer server = BrokerServer.start(b, "127.0.0.1", 0, 4)) {
                ModelKeyFromBroker.provision(f.enclave.instance(), URI.create("http://127.0.0.1:" + server.port() + "/"), f.sealedModel);
            }
            CliTest.Result log = CliTest.veil("broker", "log", "--state", state.toString());
            assertThat(log.code()).as(log.err()).isZero();
            String instance = Digests.hex(f.enclave.instance().instanceKeys().digest());
            assertThat(log.out()).contains("\"verified\" : true").contains(instance);

            Path pub = dir.resolve("mp.pub.json");
            IdentityFiles.writePublic(ServingFixture.MP.publicIdentity(), pub);
            assertThat(CliTest.veil("broker", "log", "--state", state.toString(), "--public", pub.toString()).code()).isZero();
            Path other = dir.resolve("dp.pub.json");
            IdentityFiles.writePublic(ServingFixture.DP.publicIdentity(), other);
            CliTest.Result wrongKey = CliTest.veil("broker", "log", "--state", state.toString(), "--public", other.toString());
            assertThat(wrongKey.code()).isEqualTo(2);
            assertThat(wrongKey.err()).contains("does not verify");

            Path record = state.resolve("releases").resolve(f.contract.hashHex() + ".log");
            Files.writeString(record, Files.readString(record).replace(instance, "11".repeat(32)));
            CliTest.Result tampered = CliTest.veil("broker", "log", "--state", state.toString());
            assertThat(tampered.code()).isEqualTo(2);
            assertThat(tampered.err()).contains("release record does not verify").contains("altered");

            assertThat(CliTest.veil("broker", "revoke", "--state", state.toString(), "--instance", "xyz").code()).isEqualTo(2);
            CliTest.Result revoked = CliTest.veil("broker", "revoke", "--state", state.toString(), "--instance", instance);
            assertThat(revoked.code()).isZero();
            assertThat(Files.readString(state.resolve("revoked"))).contains(instance);

            assertThat(CliTest.veil("broker", "master-key", "--state", state.toString(), "--id", "ds-1").code()).isZero();
            CliTest.Result again = CliTest.veil("broker", "master-key", "--state", state.toString(), "--id", "ds-1");
            assertThat(again.code()).isEqualTo(2);
            assertThat(again.err()).contains("never replaced");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    state.resolve("master-keys").resolve("ds-1.key")))).isEqualTo("rw-------");
        }
    }

    @Test
    void brokerWithoutItsOptionsOrWithAContractItIsNotPartyToExitsTwo() throws Exception {
        CliTest.Result bare = CliTest.veil("broker", "--state", dir.resolve("s").toString());
        assertThat(bare.code()).isEqualTo(2);
        assertThat(bare.err()).contains("--identity, --state, --port");
        try (ServingFixture f = new ServingFixture(dir)) {
            Path contract = Files.writeString(dir.resolve("serving.json"), Json.pretty(f.signed));
            Path dpKey = dir.resolve("dp.key");
            IdentityFiles.writeSecret(ServingFixture.DP, dpKey);
            Path key = Files.writeString(dir.resolve("model.key"), f.modelKey.toKeyFileText());
            CliTest.Result notParty = CliTest.veil("broker", "--identity", dpKey.toString(), "--contract", contract.toString(),
                    "--asset-key", key.toString(), "--state", dir.resolve("s").toString(), "--port", "0");
            assertThat(notParty.code()).isEqualTo(2);
            assertThat(notParty.err()).contains("is not the model provider");
            Path mpKey = dir.resolve("mp.key");
            IdentityFiles.writeSecret(ServingFixture.MP, mpKey);
            CliTest.Result noKey = CliTest.veil("broker", "--identity", mpKey.toString(), "--contract", contract.toString(),
                    "--state", dir.resolve("s").toString(), "--port", "0");
            assertThat(noKey.code()).isEqualTo(2);
            assertThat(noKey.err()).contains("--asset-key");
        }
    }
}
