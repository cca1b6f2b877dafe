package dev.veil.protocol.serving;

import static dev.veil.protocol.serving.ServingFixture.DP;
import static dev.veil.protocol.serving.ServingFixture.INPUTS;
import static dev.veil.protocol.serving.ServingFixture.NOW;
import static dev.veil.protocol.serving.ServingFixture.OTHER_DP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingFixture.Instance;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review (hostile data provider): the replay guard's capacity is one pool for every data provider, and an id enters it
 * as soon as the request's signature verifies, before its inputs are read or any budget is charged. A listed data
 * provider sending requests whose inputs are not even an .npz (refused DATASET_INVALID in the instance, no rows charged)
 * fills the guard at no cost to its budget, and for the rest of the window (5 minutes) every other data provider's
 * request is refused "the enclave holds as many recent requests as it may" (default capacity 1,000,000: about 3,300 junk
 * requests a second, or far fewer with a smaller capacity). Shown here with a guard of 8.
 *
 * <p>Expected fix: each data provider holds at most its share of the guard (refused FULL beyond it, alone), or requests
 * refused before running are charged against something the data provider has a bounded amount of.
 */
class ReplayGuardShareAttackTest {
    @Test
    void oneDataProvidersRequestsCannotFillTheReplayGuardForTheOthers() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519, DataProviderAccess.only(List.of(DP.publicIdentity(),
                OTHER_DP.publicIdentity())));
        Instance instance = Instance.generate(KeyWrapSuite.X25519);
        int capacity = 8;
        ServingGateway gateway = new ServingGateway(contract, instance.keys(), instance.keyWrap(),
                new ReplayGuard(Duration.ofMinutes(5), capacity));
        for (int i = 0; i < capacity; i++) {
            try {
                gateway.open(ServingClient.seal(contract, instance.keys(), DP, 1, INPUTS, NOW).encapsulated(), NOW);
            } catch (RequestRefused alreadyHeldBack) {
                break;   // a guard that caps one data provider's share refuses it here: what the fix may do
            }
        }

        SealedRequest honest = ServingClient.seal(contract, instance.keys(), OTHER_DP, 1, INPUTS, NOW);
        try {
            OpenedRequest opened = gateway.open(honest.encapsulated(), NOW);
            assertThat(opened.dataProvider().sameKeysAs(OTHER_DP.publicIdentity())).isTrue();
        } catch (RequestRefused r) {
            fail("another data provider's first request was refused (" + r.code() + ": " + r.getMessage() + ") after one data "
                    + "provider sent " + capacity + " requests with junk inputs, charged to no budget");
        }
    }
}
