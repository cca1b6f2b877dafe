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
 * Review of the serving replicas, finding 5: a sealed refusal's HTTP status travels in the clear, and the client judged
 * it by that status. Rewritten to 503, replica A's sealed budget refusal (429, limit_exceeded) was taken for an outage
 * and the request went on to replica B, unlike the same refusal passed on as it came
 * (aSpentBudgetIsNotSpentAgainOnAnotherReplica). The sealed reason now decides. (This is the client reading the
 * authenticated answer, not a budget defence: a host can still drop A's answer, which is an outage, and B's share is
 * the data provider's to spend. The budget's lifetime total binds here, so no UTC midnight changes the shares.)
 */
class SealedRefusalRelabelledAsAnOutageAttackTest {
    @Test
    void aSealedBudgetRefusalRewrittenTo503IsNotSentOnToAnotherReplica(@TempDir Path dir) throws Exception {
        try (ServingReplicas set = new ServingReplicas(dir, new ServingBudget(8L, 8L), 2)) {
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
