package dev.veil.protocol.serving;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.protocol.json.ProtocolException;

/**
 * What anyone can hand the enclave or a data provider in serving: a serving contract, an encapsulated request, a
 * request's plaintext (as if its encapsulation opened), a response's plaintext. Each ends in a value or Veil's own
 * refusal. All are checked against one genuine serving session ({@link ServingFuzzSession}) at a fixed instant, so
 * the seeds pass every check. Seeds run in the normal suite; JAZZER_FUZZ=1 fuzzes (docs/FUZZING.md).
 */
class ServingParsersFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void servingContractThenVerify(FuzzedDataProvider data) {
        try {
            ServingContractVerifier.Verified v = ServingContractVerifier.verify(
                    SignedServingContract.parse(data.consumeRemainingAsBytes(), "serving contract"), ServingFuzzSession.CHECKED_AT);
            v.budgetFor(ServingFuzzSession.DATA_PROVIDER.publicIdentity());
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }

    @FuzzTest(maxDuration = "5s")
    void openRequest(FuzzedDataProvider data) {
        try {
            ServingFuzzSession.gateway().open(data.consumeRemainingAsBytes(), ServingFuzzSession.CHECKED_AT);
        } catch (RequestRefused expected) {
            // refused with a code
        }
    }

    @FuzzTest(maxDuration = "5s")
    void requestPlaintext(FuzzedDataProvider data) {
        try {
            ServingFuzzSession.gateway().admit(data.consumeRemainingAsBytes(), ServingFuzzSession.ENC,
                    ResponseSecret.veil(ServingFuzzSession.EXPORTED, ServingFuzzSession.ENC), ServingFuzzSession.CHECKED_AT);
        } catch (RequestRefused expected) {
            // refused with a code
        }
    }

    @FuzzTest(maxDuration = "5s")
    void response(FuzzedDataProvider data) {
        try {
            ServingResponse.parse(data.consumeRemainingAsBytes());
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }
}
