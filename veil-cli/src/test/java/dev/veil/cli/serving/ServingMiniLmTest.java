package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.provider.serving.ServingClient;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transformer of the model zoo (three int64 inputs) served over real sockets equals plain ONNX Runtime, bit for bit. */
class ServingMiniLmTest {
    static final Path MINILM = Path.of(System.getProperty("veil.testdata.dir"), "models", "minilm", "all-minilm-l6-v2-q.onnx");
    static final Path SAMPLE = Path.of(System.getProperty("veil.testdata.dir"), "models", "minilm", "sample-8x128.npz");

    private static float[] plainOrt(NamedTensors inputs) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(Files.readAllBytes(MINILM), new OrtSession.SessionOptions())) {
            Map<String, OnnxTensor> feed = new LinkedHashMap<>();
            try {
                for (Tensor t : inputs.tensors()) {
                    feed.put(t.name(), OnnxTensor.createTensor(env, LongBuffer.wrap(t.longs()), t.shape()));
                }
                try (OrtSession.Result r = s.run(feed)) {
                    FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    return v;
                }
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }
    }

    @Test
    void miniLmServedEqualsPlainOnnxRuntime(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir, MINILM, OutputPolicy.npz(), ServerLimits.defaults(), new ServingBudget(1000L, 10_000L))) {
            f.provision(f.client());
            byte[] in = Files.readAllBytes(SAMPLE);
            ServingClient.Inference a = f.client().infer(ServingFixture.DP, in);
            Tensor out = Npz.read(a.outputsNpz(), 1 << 28).get("last_hidden_state");
            assertThat(out.shape()).containsExactly(8, 128, 384);
            assertThat(out.floats()).containsExactly(plainOrt(Npz.read(in, 1 << 26)));
        }
    }
}
