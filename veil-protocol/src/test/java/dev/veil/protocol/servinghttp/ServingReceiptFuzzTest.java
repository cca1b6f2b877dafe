package dev.veil.protocol.servinghttp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;

/**
 * A data provider's inference receipt as {@code veil verify-receipt} reads it from anyone: parsed, then verified against
 * the serving contract it names (evidence appraised, log inclusion under a signed head, commitments opened). It ends in
 * a tree head or Veil's own refusal. The seeds are real receipts of a sim serving enclave ({@link ReceiptFuzzSession}),
 * so they pass every check and mutations reach the checks after parsing. Seeds run in the normal suite; JAZZER_FUZZ=1
 * fuzzes (docs/FUZZING.md).
 */
class ServingReceiptFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void inferenceReceiptThenVerify(FuzzedDataProvider data) {
        try {
            InferenceReceipt r = Json.parse(data.consumeRemainingAsBytes(), InferenceReceipt.class, "inference receipt");
            ServingReceipts.verifyInference(r, ReceiptFuzzSession.CONTRACT, ReceiptFuzzSession.CHECKED_AT);
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }
}
