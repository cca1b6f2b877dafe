package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.serving.ServingBudget;
import dev.veil.provider.serving.ReplicatedServingClient;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica restarts (or its address now leads to another pod) while a long-lived client holds its appraisal: the next
 * request, sealed to the old instance's keys, cannot open at the new one, which refuses it in the clear naming its own
 * keys. The client does not send it there again (that refusal is not authenticated: OneRequestRunTwiceBehindOneAddressAttackTest)
 * but takes it as an outage: the request goes, sealed anew, to the next replica; and the restarted one, appraised
 * afresh, serves the requests after.
 */
class ReplicaRestartedUnderTheCachedAppraisalTest {
    @Test
    void theRequestGoesToTheNextReplicaAndTheRestartedOneServesAgain(@TempDir Path dir) throws Exception {
        try (ServingReplicas set = new ServingReplicas(dir, new ServingBudget(10_000L, 100_000L), 3)) {
            URI first = set.startInProcess(set.config);
            URI b = set.startInProcess(set.config);
            set.provision(first);
            set.provision(b);
            try (RecordingProxy a = new RecordingProxy(first, false);
                 ReplicatedServingClient dp = new ReplicatedServingClient(List.of(a.uri(), b), set.contract)) {
                assertThat(dp.infer(ServingFixture.DP, ServingFixture.crops(1, 1)).replica()).isEqualTo(a.uri());
                assertThat(dp.infer(ServingFixture.DP, ServingFixture.crops(1, 2)).replica()).isEqualTo(b);
                URI restarted = set.startInProcess(set.config);
                set.provision(restarted);
                a.switchTo(restarted);

                ReplicatedServingClient.Answered moved = dp.infer(ServingFixture.DP, ServingFixture.crops(1, 3));
                assertThat(moved.replica()).isEqualTo(b);
                assertThat(moved.gaveUpOn()).containsExactly(a.uri());
                assertThat(set.answered(restarted)).as("the restarted instance could not open it, and ran nothing").isZero();
                try (ReplicatedServingClient later = new ReplicatedServingClient(List.of(a.uri()), set.contract)) {
                    assertThat(later.infer(ServingFixture.DP, ServingFixture.crops(1, 4)).replica()).isEqualTo(a.uri());
                }
                assertThat(set.answered(restarted)).isEqualTo(1);
            }
        }
    }
}
