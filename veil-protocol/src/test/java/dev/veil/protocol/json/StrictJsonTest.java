package dev.veil.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.wire.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Every document kind the protocol parses refuses duplicate keys (with Jackson's default the last one would silently
 * win, so what one reader checks is not what another uses) and trailing data. One test per kind, named after the attack.
 */
class StrictJsonTest {
    private static final String MEASUREMENT = "\"measurements\":[\"" + TestParties.MEASUREMENT + "\"]";

    @Test
    void duplicateMeasurementKeyInContractIsRefused() throws Exception {
        String json = canonicalContract();
        assertThat(json).contains(MEASUREMENT);
        String decoy = json.replace(MEASUREMENT, MEASUREMENT + ",\"measurements\":[\"" + "ee".repeat(48) + "\"]");
        assertThatThrownBy(() -> Json.parse(bytes(decoy), SignedContract.class, "contract"))
                .hasMessage("contract is not valid: duplicate key 'measurements' at contract.enclave");
    }

    @Test
    void duplicateSignatureRoleInContractIsRefused() throws Exception {
        String json = canonicalContract();
        String dup = json.replace("\"signatures\":{", "\"signatures\":{\"data_provider\":\"AAAA\",");
        assertThatThrownBy(() -> Json.parse(bytes(dup), SignedContract.class, "contract"))
                .hasMessageContaining("duplicate key 'data_provider'");
    }

    @Test
    void duplicateAllowDebugKeyInPolicyIsRefused() {
        String policy = "{\"platform\":\"sim\"," + MEASUREMENT + ",\"allow_debug\":false,\"allow_debug\":true}";
        assertThatThrownBy(() -> Json.parse(bytes(policy), ReferenceValues.class, "policy"))
                .hasMessage("policy is not valid: duplicate key 'allow_debug'");
    }

    @Test
    void duplicateWaiverKeyInPolicyIsRefused() {
        String policy = "{\"platform\":\"tdx\",\"measurements\":[],\"waivers\":{\"tcb_statuses\":[],\"tcb_statuses\":[\"OutOfDate\"]}}";
        assertThatThrownBy(() -> Json.parse(bytes(policy), ReferenceValues.class, "policy"))
                .hasMessageContaining("duplicate key 'tcb_statuses' at waivers");
    }

    @Test
    void duplicateKindKeyInReceiptIsRefused() {
        String receipt = "{\"kind\":\"veil.result-receipt.v1\",\"kind\":\"veil.discard-receipt.v1\"}";
        assertThatThrownBy(() -> Json.parse(bytes(receipt), SignedReceipt.class, "receipt"))
                .hasMessageContaining("duplicate key 'kind'");
    }

    @Test
    void duplicateReasonKeyInWireMessageIsRefused() {
        String message = "{\"type\":\"failure\",\"reason\":\"a\",\"reason\":\"b\"}";
        assertThatThrownBy(() -> Json.parse(bytes(message), Message.class, "message"))
                .hasMessageContaining("duplicate key 'reason'");
    }

    @Test
    void duplicateKeyIsRefusedInTreesToo() {
        assertThatThrownBy(() -> Json.mapper().readTree("{\"a\":1,\"a\":2}")).hasMessageContaining("Duplicate field 'a'");
    }

    @Test
    void trailingDataAfterContractIsRefused() throws Exception {
        String json = canonicalContract() + " {\"contract\":null}";
        assertThatThrownBy(() -> Json.parse(bytes(json), SignedContract.class, "contract"))
                .hasMessage("contract is not valid: trailing data after the JSON document");
    }

    @Test
    void trailingDataAfterPolicyIsRefused() {
        String policy = "{\"platform\":\"sim\"," + MEASUREMENT + "}]";
        assertThatThrownBy(() -> Json.parse(bytes(policy), ReferenceValues.class, "policy"))
                .hasMessageContaining("policy is not valid");
    }

    @Test
    void policyMissingFieldsGetTheirDocumentedDefaults() throws Exception {
        ReferenceValues rv = Json.parse(bytes("{\"platform\":\"snp\"}"), ReferenceValues.class, "policy");
        assertThat(rv).isEqualTo(ReferenceValues.defaults(Platform.SEV_SNP));
        assertThat(rv.allowDebug()).isFalse();
        assertThat(rv.waivers().isEmpty()).isTrue();
    }

    @Test
    void policyErrorsAreOneLineWithoutJacksonInternals() {
        assertThatThrownBy(() -> Json.parse(bytes("{\"measurements\":[]}"), ReferenceValues.class, "policy"))
                .hasMessage("policy is not valid: field 'platform' is missing; set it to sim, snp, tdx, sgx or nitro");
        assertThatThrownBy(() -> Json.parse(bytes("{\"platform\":\"sim\",\"details\":{}}"), ReferenceValues.class, "policy"))
                .hasMessage("policy is not valid: unknown field 'details'");
        assertThatThrownBy(() -> Json.parse(bytes("{\"platform\":\"sim\",\"allow_debug\":\"maybe\"}"), ReferenceValues.class, "policy"))
                .hasMessage("policy is not valid: wrong type or value at allow_debug");
        assertThatThrownBy(() -> Json.parse(bytes("{\"platform\":\"sparc\"}"), ReferenceValues.class, "policy"))
                .hasMessageContaining("unknown platform 'sparc'").hasMessageNotContaining("jackson").hasMessageNotContaining("`");
    }

    @Test
    void contractRoundTripStillVerifies() throws Exception {
        SignedContract sc = TestParties.signedContract();
        assertThat(ContractVerifier.verify(Json.parse(Json.canonical(sc), SignedContract.class, "contract"), Instant.now()).hash())
                .isEqualTo(sc.contract().hash());
    }

    private static String canonicalContract() throws Exception {
        return new String(Json.canonical(TestParties.signedContract()), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
