package dev.veil.provider.serving;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.DataProviderAccess;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.protocol.serving.ServingContract;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.ServingLimits;
import dev.veil.protocol.serving.SignedServingContract;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SDK misuse that bypasses {@code max_instances}: a model provider's code provisioning without the record of instances
 * that got the model key would give every extra instance (a host restarting the server and asking again) its share of
 * every data provider's budget. Counting is the default; not counting has its own name, {@code provisionUncounted}.
 */
class UncountedProvisioningAttackTest {
    @Test
    void provisioningWithoutTheRecordOfInstancesIsRefusedBeforeAnythingIsSent() throws Exception {
        Identity mp = Identity.generate("model-provider", KeyWrapSuite.X25519);
        ModelSignature signature = new ModelSignature(
                List.of(ValueSignature.tensor("features", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(4))),
                List.of(ValueSignature.tensor("label", ValueType.INT64, Dim.free("N"))));
        ServingContract c = ServingContract.draft(new ModelTerms("cd".repeat(32), "test model", signature), mp.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of("ab".repeat(48)), false, true), KeyWrapSuite.X25519, OutputPolicy.npz(),
                DataProviderAccess.anyDataProvider(), new ServingBudget(1000L, 10000L), new ServingLimits(10, 60),
                Instant.now().plus(Duration.ofHours(1)));
        ServingClient client = new ServingClient(URI.create("http://127.0.0.1:1/"),
                ServingContractVerifier.verify(SignedServingContract.unsigned(c).signedBy(mp), Instant.now()));
        assertThatThrownBy(() -> client.provision(mp, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("provisionUncounted");
    }
}
