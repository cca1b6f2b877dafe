package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.serving.ServingBudget;
import dev.veil.provider.serving.ReplicatedServingClient;
import dev.veil.provider.serving.ServingRefused;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (review of the serving replicas, finding 5): a sealed refusal's HTTP status travels in the clear. The host in
 * front of replica A rewrites A's sealed budget refusal (429, limit_exceeded) to 503, which a replicated client took for
 * an outage: it sent the request on to replica B, which still had budget for this data provider, and the contract's
 * limit was dodged (as aSpentBudgetIsNotSpentAgainOnAnotherReplica forbids for a refusal passed on as it came).
 */
class SealedRefusalRelabelledAsAnOutageAttackTest {
    @Test
    void aSealedBudgetRefusalRewrittenTo503IsNotSentOnToAnotherReplica(@TempDir Path dir) throws Exception {
        try (ServingReplicas set = new ServingReplicas(dir, new ServingBudget(8L, 100L), 2)) {
            URI a = set.startInProcess(set.config);
            URI b = set.startInProcess(set.config);
            set.provision(a);
            set.provision(b);
            try (RecordingProxy toA = new RecordingProxy(a, false, true);
                 ReplicatedServingClient dp = new ReplicatedServingClient(List.of(toA.uri(), b), set.contract)) {
                assertThat(dp.infer(ServingFixture.DP, ServingFixture.crops(4, 1)).replica()).isEqualTo(toA.uri());   // a: its share spent
                assertThat(dp.infer(ServingFixture.DP, ServingFixture.crops(1, 2)).replica()).isEqualTo(b);
                assertThatThrownBy(() -> dp.infer(ServingFixture.DP, ServingFixture.crops(1, 3)))
                        .isInstanceOfSatisfying(ServingRefused.class, e -> {
                            assertThat(e.reason()).isEqualTo("limit_exceeded");
                            assertThat(e.sealed()).isTrue();
                        });
            }
            assertThat(set.answered(b)).as("replica B answered only the request meant for it").isEqualTo(1);
        }
    }
}
