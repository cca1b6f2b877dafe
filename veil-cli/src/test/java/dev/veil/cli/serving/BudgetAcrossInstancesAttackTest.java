package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.enclave.serving.ServerLimits;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.provider.SealedAsset;
import dev.veil.provider.replay.ProvisionedInstances;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model extraction past the budget through more instances. Budgets are counted by each instance in its memory: a host
 * that restarts the server (a crash looks the same to the MP, who provisions again to keep serving) would give every
 * DP a fresh budget, and so would every further instance the MP provisions under the same contract for throughput.
 * Two checks together bound what a DP gets under one contract to its budget: each instance enforces only its share
 * (the budget divided by the contract's {@code max_instances}), and the model provider's side gives the model key to
 * at most {@code max_instances} instances (its local record for {@code veil provision}; a key broker's own count).
 */
class BudgetAcrossInstancesAttackTest {
    @Test
    void restartedInstanceGetsNoModelPastMaxInstancesSoItsFreshBudgetIsNeverOffered(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir, ServerLimits.defaults(), new ServingBudget(4L, 4L))) {
            ProvisionedInstances record = new ProvisionedInstances(dir.resolve("mp-state"), false);
            ServingClient mp = f.client();
            provision(f, mp, record);
            ServingClient dp = f.client();
            dp.infer(ServingFixture.DP, ServingFixture.crops(4, 1));   // the DP's whole rows_total
            assertThatThrownBy(() -> dp.infer(ServingFixture.DP, ServingFixture.crops(1, 2))).isInstanceOf(ServingRefused.class);

            int port = f.enclave.port();
            f.enclave.close();                                        // the host restarts the server
            f.start(ServerLimits.defaults(), port);
            ServingClient again = f.client();
            assertThatThrownBy(() -> provision(f, again, record))
                    .as("the model provider's record refuses a second instance of a contract with max_instances 1")
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("max_instances");
            assertThatThrownBy(() -> again.infer(ServingFixture.DP, ServingFixture.crops(1, 3)))
                    .isInstanceOfSatisfying(ServingRefused.class, e -> assertThat(e.reason()).isNotEqualTo("limit_exceeded"));

            provision(f, again, new ProvisionedInstances(dir.resolve("mp-state"), true));   // the MP's explicit choice
            assertThat(again.infer(ServingFixture.DP, ServingFixture.crops(1, 4))).isNotNull();
        }
    }

    @Test
    void eachInstanceAnswersOnlyItsShareOfTheBudget(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir, ServerLimits.defaults(), new ServingBudget(4L, 4L), 2)) {
            provision(f, f.client(), new ProvisionedInstances(dir.resolve("mp-state"), false));
            ServingClient dp = f.client();
            dp.infer(ServingFixture.DP, ServingFixture.crops(2, 1));   // half of rows_total: this instance's share
            assertThatThrownBy(() -> dp.infer(ServingFixture.DP, ServingFixture.crops(1, 2)))
                    .as("the other half is the other instance's to answer")
                    .isInstanceOfSatisfying(ServingRefused.class, e -> assertThat(e.reason()).isEqualTo("limit_exceeded"));
        }
    }

    private static void provision(ServingFixture f, ServingClient mp, ProvisionedInstances record) throws Exception {
        mp.provision(ServingFixture.MP, SealedAsset.of(f.sealedModel), f.modelKey, f.sealedModel, record);
    }
}
