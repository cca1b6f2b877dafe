package dev.veil.protocol.contract;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Anyone can write a contract and send it in a hello. Found by ProtocolParsersFuzzTest#contractThenVerify (input
 * finding-identity-without-key-agreement-suite-npe): a party identity without its key-agreement suite parsed, and the
 * verifier then threw a NullPointerException while naming the party, instead of refusing the contract with a reason.
 */
class IdentityWithoutSuiteAttackTest {
    @Test
    void contractWhoseDataProviderLacksTheKeyAgreementSuiteIsRefused() throws Exception {
        ObjectNode tampered = (ObjectNode) Json.mapper().readTree(Json.canonical(TestParties.signedContract()));
        ((ObjectNode) tampered.get("contract").get("data_provider")).remove("key_agreement_suite");
        byte[] bytes = Json.mapper().writeValueAsBytes(tampered);
        assertThatThrownBy(() -> ContractVerifier.verify(Json.parse(bytes, SignedContract.class, "contract"), Instant.now()))
                .isInstanceOf(ProtocolException.class);
    }
}
