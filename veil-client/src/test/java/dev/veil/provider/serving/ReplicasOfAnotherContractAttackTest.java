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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review (API misuse a hostile party can exploit): {@link ReplicatedServingClient}'s constructor that takes a client per
 * replica ({@code clientFor}, the one {@code veil infer --tls-ca} uses) never checks that every replica's client was made
 * for one and the same serving contract. A data provider's code that builds them from a list of (address, contract)
 * pairs — say, contracts fetched from each replica's operator — spreads its requests over replicas of different
 * contracts (another model, other reference values, another model provider) as if they were one deployment, and a
 * failover silently moves a request to another contract. Expected fix: the constructor refuses clients whose contracts
 * differ, naming the replica.
 */
class ReplicasOfAnotherContractAttackTest {
    private static final Identity MP = Identity.generate("model-provider", KeyWrapSuite.X25519);

    @Test
    void replicasWhoseClientsServeDifferentContractsAreRefused() throws Exception {
        ServingContractVerifier.Verified one = contract("cd".repeat(32));
        ServingContractVerifier.Verified another = contract("ef".repeat(32));
        URI a = URI.create("http://127.0.0.1:1/");
        URI b = URI.create("http://127.0.0.1:2/");
        assertThatThrownBy(() -> new ReplicatedServingClient(List.of(a, b),
                u -> new ServingClient(u, u.equals(a) ? one : another), Clock.systemUTC(), FailoverPolicy.forContract(one)).close())
                .as("replicas of two serving contracts taken for one deployment")
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static ServingContractVerifier.Verified contract(String modelSha256) throws Exception {
        ModelSignature signature = new ModelSignature(
                List.of(ValueSignature.tensor("features", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(4))),
                List.of(ValueSignature.tensor("label", ValueType.INT64, Dim.free("N"))));
        ServingContract c = ServingContract.draft(new ModelTerms(modelSha256, "test model", signature), MP.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of("ab".repeat(48)), false, true), KeyWrapSuite.X25519, OutputPolicy.npz(),
                DataProviderAccess.anyDataProvider(), new ServingBudget(1000L, 10000L), new ServingLimits(10, 60),
                Instant.now().plus(Duration.ofHours(1)));
        return ServingContractVerifier.verify(SignedServingContract.unsigned(c).signedBy(MP), Instant.now());
    }
}
