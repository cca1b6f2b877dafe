package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.provider.serving.ReplicatedServingClient;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.net.URI;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model provider's key broker and three replicas of one serving contract ({@code max_instances} 3), each a
 * 'veil serve --model-broker' process on 127.0.0.1 that takes the model key from the broker at start, with no
 * interactive provisioning; concurrent data providers send load and one replica is killed (SIGKILL) in the middle. No
 * request is lost, each is answered once, and every answer equals plain ONNX Runtime's on the same input.
 */
class ReplicaFailoverTest {
    private static final int CLIENTS = 4;
    private static final int REQUESTS_PER_CLIENT = 12;
    private static final int KILL_AFTER = 10;

    static float[] plainOrt(byte[] inputsNpz) throws Exception {
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

    static float[] output(ReplicatedServingClient.Answered a) throws Exception {
        return Npz.read(a.inference().outputsNpz(), 1 << 20).tensors().get(0).floats();
    }

    static String instanceOf(ReplicatedServingClient.Answered a) {
        return Digests.hex(a.inference().receipt().instanceKeys().digest());
    }

    @Test
    void aReplicaKilledUnderLoadLosesNoRequestAndEveryAnswerIsPlainOnnxRuntimes(@TempDir Path dir) throws Exception {
        try (ServingReplicas set = new ServingReplicas(dir, new ServingBudget(100_000L, 1_000_000L), 3)) {
            URI broker = set.startBroker();
            List<ServingReplicas.Child> replicas = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                replicas.add(set.startChild("replica-" + i, broker));
            }
            ServingReplicas.Child victim = replicas.get(1);
            // the clients reach the victim through a relay that lets the test kill it with a request surely in flight
            HoldingRelay relay = new HoldingRelay(victim.uri());
            List<URI> uris = List.of(replicas.get(0).uri(), relay.uri(), replicas.get(2).uri());

            AtomicInteger answered = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<List<ReplicatedServingClient.Answered>>> clients = new ArrayList<>();
            Map<Integer, byte[]> inputs = new HashMap<>();
            for (int c = 0; c < CLIENTS; c++) {
                for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                    inputs.put(c * REQUESTS_PER_CLIENT + i, ServingFixture.crops(2, c * REQUESTS_PER_CLIENT + i));
                }
            }
            try {
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    clients.add(pool.submit(() -> {
                        List<ReplicatedServingClient.Answered> mine = new ArrayList<>();
                        try (ReplicatedServingClient dp = new ReplicatedServingClient(uris, set.contract)) {
                            for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                                mine.add(dp.infer(client % 2 == 0 ? ServingFixture.DP : ServingFixture.DP2,
                                        inputs.get(client * REQUESTS_PER_CLIENT + i)));
                                answered.incrementAndGet();
                            }
                        }
                        return mine;
                    }));
                }
                while (answered.get() < KILL_AFTER) {
                    Thread.sleep(5);
                }
                relay.hold();
                relay.awaitHeld();   // the victim has sent (part of) an answer that the client has not got
                victim.process().destroyForcibly();   // SIGKILL: its connections are reset, nothing more is sent
                assertThat(victim.process().waitFor(60, TimeUnit.SECONDS)).isTrue();

                Map<String, Integer> byInstance = new HashMap<>();
                int failedOver = 0;
                for (int c = 0; c < CLIENTS; c++) {
                    List<ReplicatedServingClient.Answered> mine = clients.get(c).get(10, TimeUnit.MINUTES);
                    assertThat(mine).as("client " + c + ": every request answered").hasSize(REQUESTS_PER_CLIENT);
                    for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                        ReplicatedServingClient.Answered a = mine.get(i);
                        assertThat(output(a)).as("client " + c + " request " + i + " (answered by " + a.replica() + ")")
                                .containsExactly(plainOrt(inputs.get(c * REQUESTS_PER_CLIENT + i)));
                        byInstance.merge(instanceOf(a), 1, Integer::sum);
                        assertThat(a.gaveUpOn()).as("only the killed replica is given up on").allMatch(relay.uri()::equals);
                        failedOver += a.gaveUpOn().isEmpty() ? 0 : 1;
                    }
                }
                assertThat(byInstance.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(CLIENTS * REQUESTS_PER_CLIENT);
                // the survivors' logs hold exactly the answers they gave: no request was run twice on them
                for (ServingReplicas.Child survivor : List.of(replicas.get(0), replicas.get(2))) {
                    String keys = instanceKeys(set, survivor.uri());
                    assertThat(set.answered(survivor.uri())).as(survivor.uri() + "'s log")
                            .isEqualTo(byInstance.getOrDefault(keys, 0).longValue());
                }
                assertThat(failedOver).as("requests that went to the killed replica and were sent on").isPositive();
            } finally {
                pool.shutdownNow();
                relay.close();
            }
        }
    }

    static String instanceKeys(ServingReplicas set, URI replica) throws Exception {
        return Digests.hex(new dev.veil.provider.serving.ServingClient(replica, set.contract).attest().enclave().instanceKeys().digest());
    }
}
