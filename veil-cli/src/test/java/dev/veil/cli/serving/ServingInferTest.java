package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.DataProviderAccess;
import dev.veil.protocol.serving.SealedRequest;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.protocol.serving.ServingContract;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.ServingResponse;
import dev.veil.protocol.servinghttp.ServingReceipts;
import dev.veil.protocol.translog.ConsistencyProof;
import dev.veil.protocol.translog.LogVerifier;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encrypted requests end to end over real sockets on 127.0.0.1: the sim TEE, the real OCR model, the log. */
class ServingInferTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

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

    @Test
    void manyDataProvidersGetThePlainRuntimesOutputsWithVerifiedReceiptsInOneLog(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            f.provision(f.client());
            ServingClient dp1 = f.client();
            ServingClient dp2 = f.client();
            List<ServingClient.Inference> answers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                byte[] in = ServingFixture.crops(i + 1, i);
                ServingClient.Inference a = (i % 2 == 0 ? dp1 : dp2).infer(i % 2 == 0 ? ServingFixture.DP : ServingFixture.DP2, in);
                Tensor out = Npz.read(a.outputsNpz(), 1 << 26).get("softmax_0.tmp_0");
                assertThat(out.shape()).containsExactly(i + 1, 2);
                assertThat(out.floats()).containsExactly(plainOrt(in));
                assertThat(ServingReceipts.verifyInference(a.receipt(), f.contract, in, a.outputsNpz(),
                        (i % 2 == 0 ? ServingFixture.DP : ServingFixture.DP2).publicIdentity(), Instant.now()).treeSize()).isEqualTo(i + 1);
                answers.add(a);
            }
            // one receipt does not open as another data provider's, nor for other outputs
            assertThatThrownBy(() -> ServingReceipts.verifyInference(answers.get(0).receipt(), f.contract, ServingFixture.crops(1, 0),
                    answers.get(0).outputsNpz(), ServingFixture.DP2.publicIdentity(), Instant.now())).isInstanceOf(ProtocolException.class);

            ServingClient mp = f.client();
            ServingClient.Audit first = mp.audit(null);
            assertThat(first.head().treeSize()).isEqualTo(3);
            dp1.infer(ServingFixture.DP, ServingFixture.crops(2, 9));
            ServingClient.Audit second = mp.audit(first.signed());
            assertThat(second.head().treeSize()).isEqualTo(4);

            ServingClient.Retired retired = mp.retire(ServingFixture.MP);
            assertThat(retired.discard().requestsServed()).isEqualTo(4);
            assertThat(retired.discard().rowsServed()).isEqualTo(1 + 2 + 3 + 2);
            assertThat(retired.discard().finalTreeHead().head().treeSize()).isEqualTo(4);
            assertThatThrownBy(() -> dp1.infer(ServingFixture.DP, ServingFixture.crops(1, 1))).isInstanceOfSatisfying(ServingRefused.class,
                    e -> assertThat(e.reason()).isEqualTo("session_unavailable"));
        }
    }

    @Test
    void tamperedConsistencyProofFails(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            f.provision(f.client());
            ServingClient dp = f.client();
            for (int i = 0; i < 3; i++) {
                dp.infer(ServingFixture.DP, ServingFixture.crops(1, i));
            }
            ServingClient.Audit older = dp.audit(null);
            dp.infer(ServingFixture.DP, ServingFixture.crops(1, 7));
            ServingClient.Audit newer = dp.audit(older.signed());
            ConsistencyProof honest = dev.veil.protocol.json.Json.parse(HTTP.send(HttpRequest.newBuilder(
                    f.uri().resolve("/v1/log/consistency?from=3&to=4")).build(), HttpResponse.BodyHandlers.ofByteArray()).body(),
                    ConsistencyProof.class, "proof");
            List<byte[]> path = new ArrayList<>(honest.path());
            byte[] flipped = path.get(0).clone();
            flipped[0] ^= 1;
            path.set(0, flipped);
            ConsistencyProof tampered = new ConsistencyProof(honest.fromSize(), honest.toSize(), path);
            var keys = dp.attest().enclave().instanceKeys();
            LogVerifier.verifyConsistency(older.signed(), newer.signed(), honest, keys, f.contract.hash());
            assertThatThrownBy(() -> LogVerifier.verifyConsistency(older.signed(), newer.signed(), tampered, keys, f.contract.hash()))
                    .isInstanceOf(ProtocolException.class);
        }
    }

    @Test
    void exhaustedBudgetIsRefusedClearlyAndAnswersNothing(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir, ServerLimits.defaults(), new ServingBudget(3L, 4L))) {
            f.provision(f.client());
            ServingClient dp = f.client();
            dp.infer(ServingFixture.DP, ServingFixture.crops(2, 1));
            assertThatThrownBy(() -> dp.infer(ServingFixture.DP, ServingFixture.crops(2, 2))).isInstanceOfSatisfying(ServingRefused.class, e -> {
                assertThat(e.status()).isEqualTo(429);
                assertThat(e.reason()).isEqualTo("limit_exceeded");
                assertThat(e.getMessage()).contains("daily budget").contains("rows_per_day 3");
            });
            dp.infer(ServingFixture.DP, ServingFixture.crops(1, 3));
            // budgets are per data provider: another one still has its own
            f.client().infer(ServingFixture.DP2, ServingFixture.crops(2, 4));
            assertThat(dp.audit(null).head().treeSize()).isEqualTo(3);
        }
    }

    /** The contract hash is the real one; only the data provider list this client believes in has the stranger. */
    @Test
    void dataProviderNotInTheContractIsRefused(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            f.provision(f.client());
            ServingContract c = f.contract.contract();
            ServingContract forged = new ServingContract(c.veilServingContract(), c.contractId(), c.model(), c.modelProvider(), c.enclave(),
                    c.keyWrap(), c.output(), DataProviderAccess.anyDataProvider(), c.budget(), c.limits(), c.expiresAt());
            ServingClient stranger = new ServingClient(f.uri(), new ServingContractVerifier.Verified(forged, f.contract.hash(),
                    f.contract.expiresAt()));
            assertThatThrownBy(() -> stranger.infer(ServingFixture.STRANGER, ServingFixture.crops(1, 1))).isInstanceOfSatisfying(
                    ServingRefused.class, e -> {
                        assertThat(e.status()).isEqualTo(403);
                        assertThat(e.reason()).isEqualTo("contract_refused");
                    });
            assertThat(f.client().audit(null).head().treeSize()).isZero();
        }
    }

    @Test
    void replayedRequestIsRefusedAndAnAnswerOpensOnlyForItsOwnRequest(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            f.provision(f.client());
            var keys = f.client().attest().enclave().instanceKeys();
            byte[] in = ServingFixture.crops(1, 5);
            SealedRequest request = dev.veil.protocol.serving.ServingClient.seal(f.contract, keys, ServingFixture.DP, 1, in, Instant.now());
            SealedRequest other = dev.veil.protocol.serving.ServingClient.seal(f.contract, keys, ServingFixture.DP, 1, in, Instant.now());
            HttpResponse<byte[]> first = post(f, request.encapsulated());
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(request.openResponse(first.body()).isOk()).isTrue();
            assertThatThrownBy(() -> other.openResponse(first.body())).isInstanceOf(ProtocolException.class);

            HttpResponse<byte[]> replay = post(f, request.encapsulated());
            assertThat(replay.statusCode()).isEqualTo(400);
            ServingResponse refused = request.openResponse(replay.body());
            assertThat(refused.isOk()).isFalse();
            assertThat(refused.detail()).contains("answered before");

            byte[] altered = other.encapsulated();
            altered[altered.length - 1] ^= 1;
            assertThat(post(f, altered).statusCode()).isEqualTo(400);
            assertThat(f.client().audit(null).head().treeSize()).isEqualTo(1);
        }
    }

    /** Budgets count the rows a request declares: a request declaring fewer rows than its tensors hold is refused. */
    @Test
    void requestDeclaringFewerRowsThanItCarriesCannotEscapeTheBudget(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            f.provision(f.client());
            var keys = f.client().attest().enclave().instanceKeys();
            SealedRequest request = dev.veil.protocol.serving.ServingClient.seal(f.contract, keys, ServingFixture.DP, 1,
                    ServingFixture.crops(3, 1), Instant.now());
            HttpResponse<byte[]> r = post(f, request.encapsulated());
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(request.openResponse(r.body()).detail()).contains("declares 1 rows");
        }
    }

    @Test
    void metricsCountRequestsAndBatchesWithoutDataDerivedLabels(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            f.provision(f.client());
            f.client().infer(ServingFixture.DP, ServingFixture.crops(2, 1));
            String metrics = HTTP.send(HttpRequest.newBuilder(f.uri().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("veil_requests_total{route=\"infer\",status=\"2xx\"} 1.0")
                    .contains("veil_batch_rows_count 1").contains("veil_attestations_total");
            assertThat(metrics).doesNotContain(ServingFixture.DP.publicIdentity().fingerprint()).doesNotContain("serving-dp");
        }
    }

    private static HttpResponse<byte[]> post(ServingFixture f, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(f.uri().resolve("/v1/infer")).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }
}
