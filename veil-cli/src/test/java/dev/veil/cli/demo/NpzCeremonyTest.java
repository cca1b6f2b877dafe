package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The batch ceremony over real loopback sockets with an .npz dataset: the MiniLM transformer's three int64 inputs in,
 * every output by name out, equal to plain ONNX Runtime's bit for bit.
 */
class NpzCeremonyTest {
    static Ceremony ceremony;
    @org.junit.jupiter.api.io.TempDir
    static Path tempDir;

    @BeforeAll
    static void start() throws Exception {
        ceremony = new Ceremony(tempDir.resolve("enclave"));
    }

    @AfterAll
    static void stop() throws Exception {
        ceremony.close();
    }

    private static byte[] minilm(String file) throws Exception {
        return Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "minilm", file));
    }

    @Test
    void miniLmOverAnNpzDatasetEqualsPlainOnnxRuntime() throws Exception {
        byte[] model = minilm("all-minilm-l6-v2-q.onnx");
        byte[] data = minilm("sample-8x128.npz");
        SignedContract contract = Ceremony.signed(ceremony.contract(model, OutputPolicy.npz(), ceremony.policy()));

        LocalCeremony.Run run = ceremony.run(contract, model, data);
        assertThat(run.dpError()).isNull();
        assertThat(run.mpError()).isNull();

        NamedTensors out = Npz.read(run.dp().result().output(), 1 << 30);
        Tensor hidden = out.get("last_hidden_state");
        assertThat(hidden.shape()).containsExactly(8, 128, 384);
        assertThat(hidden.data()).isEqualTo(plainLastHiddenState(model, Npz.read(data, 1 << 20)));
        assertThat(run.mp().discard()).isNotNull();
    }

    @Test
    void npzDatasetUnderALabelsContractFailsWithTheReasonSealedToTheDataProvider() throws Exception {
        byte[] model = minilm("all-minilm-l6-v2-q.onnx");
        SignedContract contract = Ceremony.signed(ceremony.contract(model, OutputPolicy.labels(), ceremony.policy()));
        LocalCeremony.Run run = ceremony.run(contract, model, minilm("sample-8x128.npz"));
        assertThat(run.dp()).isNull();
        assertThat(run.dpError()).hasMessageContaining("dataset_invalid").hasMessageContaining("the contract needs output npz");
        assertThat(run.mp().discard().receipt().outcome()).isEqualTo("discarded");   // the model provider: no reason at all
    }

    /** Plain ONNX Runtime: its own session, default options, the sample's int64 arrays. */
    private static byte[] plainLastHiddenState(byte[] model, NamedTensors inputs) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feed = new HashMap<>();
        try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions())) {
            for (Tensor t : inputs.tensors()) {
                feed.put(t.name(), OnnxTensor.createTensor(env, ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer(), t.shape()));
            }
            try (OrtSession.Result r = s.run(feed)) {
                OnnxValue v = r.get("last_hidden_state").orElseThrow();
                ByteBuffer b = ((OnnxTensor) v).getByteBuffer();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                return bytes;
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }
}
