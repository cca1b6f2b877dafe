package dev.veil.protocol.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.batch.BatchReceiptFile;
import dev.veil.protocol.batch.BatchReceiptVerifier;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.results.SealedResults;
import dev.veil.protocol.wire.Message;

/**
 * What a peer or a file can hand us: wire messages, contracts, receipts, sealed results. Each ends in a value or a
 * ProtocolException. Contracts, receipts and sealed results are checked against one real demo session ({@link
 * DemoSession}) at a fixed instant, so the seeds pass every check and mutations reach the checks after parsing.
 * Seeds run in the normal suite; JAZZER_FUZZ=1 fuzzes (docs/FUZZING.md).
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
            ContractVerifier.verify(Json.parse(data.consumeRemainingAsBytes(), SignedContract.class, "contract"), DemoSession.CHECKED_AT);
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }

    @FuzzTest(maxDuration = "5s")
    void receiptThenVerify(FuzzedDataProvider data) {
        try {
            SignedReceipt receipt = Json.parse(data.consumeRemainingAsBytes(), SignedReceipt.class, "receipt");
            if (DiscardReceipt.KIND.equals(receipt.kind())) {
                ReceiptVerifier.verifyDiscard(receipt, DemoSession.VERIFIED_CONTRACT, DemoSession.CHECKED_AT);
            } else {
                ReceiptVerifier.verifyResult(receipt, DemoSession.VERIFIED_CONTRACT, DemoSession.CHECKED_AT);
            }
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }

    /** A Spark batch's receipt file (the batch receipt and its partitions' receipts), as 'veil verify-receipt' reads it. */
    @FuzzTest(maxDuration = "5s")
    void batchReceiptThenVerify(FuzzedDataProvider data) {
        try {
            BatchReceiptFile file = Json.parse(data.consumeRemainingAsBytes(), BatchReceiptFile.class, "batch receipt");
            BatchReceiptVerifier.verify(file, DemoSession.VERIFIED_CONTRACT, DemoSession.CHECKED_AT);
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }

    @FuzzTest(maxDuration = "5s")
    void sealedResults(FuzzedDataProvider data) {
        try {
            SealedResults.open(data.consumeRemainingAsBytes(), DemoSession.DATA_PROVIDER);
        } catch (ProtocolException expected) {
            // rejected with a reason
        }
    }
}
