package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.veil.protocol.serving.ServingBudget;
import dev.veil.provider.serving.ReplicatedServingClient;
import dev.veil.provider.serving.ServingRefused;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (operator/host, or just a replica restarting): ReplicaOutage treats "503 session_unavailable (no model yet)"
 * as an outage to fail over from, and its comment says so; but a serving instance without a model (restarted and
 * not yet given the key by the broker, never provisioned, retired, or past its contract's expiry) answers an inference
 * {@code 409 session_unavailable} ("this instance holds no model"). So the replicated client does not pass over such a
 * replica: every request that lands on it first is thrown to the data provider, although a live replica is in the
 * list. A host can keep one replica in that state (restart it and hold its broker fetch) to fail a share of every data
 * provider's requests. Expected fix: the server answers "no model" with 503 (and Retry-After), or the client counts 409
 * session_unavailable as an outage.
 */
class ReplicaWithoutModelFailoverAttackTest {
    @Test
    void aReplicaThatHoldsNoModelIsPassedOverForALiveOne(@TempDir Path dir) throws Exception {
        try (ServingReplicas set = new ServingReplicas(dir, new ServingBudget(10_000L, 100_000L), 2)) {
            URI empty = set.startInProcess(set.config);   // started, never given the model (as a restart awaiting its broker)
            URI live = set.startInProcess(set.config);
            set.provision(live);
            try (ReplicatedServingClient dp = new ReplicatedServingClient(List.of(empty, live), set.contract)) {
                ReplicatedServingClient.Answered answer;
                try {
                    answer = dp.infer(ServingFixture.DP, ServingFixture.crops(1, 3));
                } catch (ServingRefused r) {
                    fail("the data provider's request was refused (HTTP " + r.status() + " " + r.reason() + ": " + r.getMessage()
                            + ") by the replica without a model, and never went to the live replica");
                    return;
                }
                assertThat(answer.replica()).isEqualTo(live);
                assertThat(answer.gaveUpOn()).containsExactly(empty);
            }
        }
    }
}
