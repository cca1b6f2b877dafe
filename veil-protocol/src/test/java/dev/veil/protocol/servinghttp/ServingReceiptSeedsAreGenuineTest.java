package dev.veil.protocol.servinghttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed receipts verify at the session's instant, so the fuzzer starts past the verifier's first refusals. */
class ServingReceiptSeedsAreGenuineTest {
    @Test
    void committedReceiptsVerifyAgainstTheirContract() throws Exception {
        Path dir = Path.of(ServingReceiptSeedsAreGenuineTest.class.getResource("ServingReceiptFuzzTestInputs").toURI())
                .resolve("inferenceReceiptThenVerify");
        for (int i = 1; i <= 3; i++) {
            InferenceReceipt r = Json.parse(Files.readAllBytes(dir.resolve("receipt-" + i + ".json")), InferenceReceipt.class, "seed");
            assertThat(ServingReceipts.verifyInference(r, ReceiptFuzzSession.CONTRACT, ReceiptFuzzSession.CHECKED_AT).treeSize())
                    .as("receipt %d", i).isEqualTo(i);
        }
    }
}
