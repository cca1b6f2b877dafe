package dev.veil.protocol.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.results.SealedResults;
import dev.veil.protocol.wire.Message;
import java.time.Instant;

/**
 * What a peer or a file can hand us: wire messages, contracts, receipts, sealed results. Each ends in a value or a
 * ProtocolException. Seeds run in the normal suite; JAZZER_FUZZ=1 fuzzes (docs/FUZZING.md).
 */
class ProtocolParsersFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void wireMessage(FuzzedDataProvider data) {
        try {
            Json.parse(data.consumeRemainingAsBytes(), Message.class, "message");
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }

    @FuzzTest(maxDuration = "5s")
    void contractThenVerify(FuzzedDataProvider data) {
        try {
            ContractVerifier.verify(Json.parse(data.consumeRemainingAsBytes(), SignedContract.class, "contract"), Instant.now());
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }

    @FuzzTest(maxDuration = "5s")
    void receiptThenVerify(FuzzedDataProvider data) throws Exception {
        ContractVerifier.Verified contract = ContractVerifier.verify(TestParties.signedContract(), Instant.now());
        try {
            ReceiptVerifier.verifyResult(Json.parse(data.consumeRemainingAsBytes(), SignedReceipt.class, "receipt"), contract);
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }

    @FuzzTest(maxDuration = "5s")
    void sealedResults(FuzzedDataProvider data) {
        try {
            SealedResults.open(data.consumeRemainingAsBytes(), TestParties.DP);
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }
}
