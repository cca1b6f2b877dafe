package dev.veil.protocol.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.keyrelease.KeyWrapSuite;
import org.junit.jupiter.api.Test;

/**
 * A client makes the next request's HPKE encapsulation ahead, off its request path. Attack (a client bug, or code that
 * keeps one to reuse): two requests sealed in one encapsulation would share its enc and exported secret, so whoever
 * opens one request's answer could open the other's. Expected: an encapsulation seals one request only, and only to
 * the instance keys and contract it was made for.
 */
class EncapsulationMadeAheadTest {
    @Test
    void encapsulationMadeAheadSealsOneRequestOnly() throws Exception {
        ServingContractVerifier.Verified contract = ServingFixture.verified(KeyWrapSuite.X25519);
        ServingFixture.Instance instance = ServingFixture.Instance.generate(KeyWrapSuite.X25519);
        ServingClient.Encapsulation made = ServingClient.encapsulate(contract, instance.keys());
        SealedRequest first = ServingClient.seal(contract, instance.keys(), ServingFixture.DP, 1, ServingFixture.INPUTS,
                ServingFixture.NOW, made);
        ServingGateway gateway = new ServingGateway(contract, instance.keys(), instance.keyWrap(), ReplayGuard.withDefaults());
        assertThat(gateway.open(first.encapsulated(), ServingFixture.NOW).request().rows()).isEqualTo(1);
        assertThatThrownBy(() -> ServingClient.seal(contract, instance.keys(), ServingFixture.DP, 1, ServingFixture.INPUTS,
                ServingFixture.NOW, made)).isInstanceOf(IllegalStateException.class).hasMessageContaining("one request only");
    }

    @Test
    void encapsulationMadeToOtherInstanceKeysIsNotUsed() throws Exception {
        ServingContractVerifier.Verified contract = ServingFixture.verified(KeyWrapSuite.X25519);
        ServingFixture.Instance old = ServingFixture.Instance.generate(KeyWrapSuite.X25519);
        ServingFixture.Instance restarted = ServingFixture.Instance.generate(KeyWrapSuite.X25519);
        ServingClient.Encapsulation made = ServingClient.encapsulate(contract, old.keys());
        assertThat(made.isFor(contract, restarted.keys())).isFalse();
        assertThatThrownBy(() -> ServingClient.seal(contract, restarted.keys(), ServingFixture.DP, 1, ServingFixture.INPUTS,
                ServingFixture.NOW, made)).isInstanceOf(IllegalArgumentException.class);
    }
}
