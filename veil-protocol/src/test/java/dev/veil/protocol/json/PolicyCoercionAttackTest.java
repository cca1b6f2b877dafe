package dev.veil.protocol.json;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.ReferenceValues;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * docs/POLICY.md: "a value of the wrong type is refused with one line naming the field". Jackson's default scalar
 * coercions turn strings, numbers and fractions into the booleans and integers of a policy or contract, so a document
 * a reader takes for one thing is signed and enforced as another (a fraction is silently truncated downwards, the
 * direction that relaxes a minimum).
 */
class PolicyCoercionAttackTest {
    private static final String M = "\"measurements\":[\"" + "ab".repeat(48) + "\"]";

    @Test
    void allowDebugGivenAsStringIsRefused() {
        refused("{\"platform\":\"tdx\"," + M + ",\"allow_debug\":\"true\"}");
    }

    @Test
    void noSnpMinTcbWaiverGivenAsNumberIsRefused() {
        refused("{\"platform\":\"snp\"," + M + ",\"waivers\":{\"no_snp_min_tcb\":1}}");
    }

    @Test
    void noTdxRtmrPinsWaiverGivenAsStringIsRefused() {
        refused("{\"platform\":\"tdx\"," + M + ",\"waivers\":{\"no_tdx_rtmr_pins\":\"true\"}}");
    }

    @Test
    void fractionalMinTcbIsRefusedNotTruncatedDownwards() {
        refused("{\"platform\":\"snp\"," + M + ",\"min_tcb\":{\"ucode\":115.9}}");
    }

    @Test
    void minTcbEvaluationDataNumberGivenAsStringIsRefused() {
        refused("{\"platform\":\"tdx\"," + M + ",\"min_tcb_evaluation_data_number\":\"17\"}");
    }

    private static void refused(String policy) {
        assertThatThrownBy(() -> Json.parse(policy.getBytes(StandardCharsets.UTF_8), ReferenceValues.class, "policy"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("policy is not valid");
    }
}
