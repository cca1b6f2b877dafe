package dev.veil.protocol.servinghttp;

import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.SignedServingContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The surroundings of the inference receipt's fuzz target, committed in {@code receipt-fuzz-session/} by the veil-cli
 * test {@code ServingReceiptSeeds} (a sim serving enclave's real receipts): the serving contract they were answered
 * under and the instant at which they all verify.
 */
final class ReceiptFuzzSession {
    static final Path DIR = dir();
    static final Instant CHECKED_AT = Instant.parse(text("checked-at").strip());
    static final ServingContractVerifier.Verified CONTRACT = contract();

    private ReceiptFuzzSession() {
    }

    private static Path dir() {
        try {
            return Path.of(ReceiptFuzzSession.class.getResource("receipt-fuzz-session").toURI());
        } catch (Exception e) {
            throw new IllegalStateException("test fixture receipt-fuzz-session is missing; run veil-cli's ServingReceiptSeeds", e);
        }
    }

    private static String text(String name) {
        try {
            return Files.readString(DIR.resolve(name));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read receipt-fuzz-session/" + name, e);
        }
    }

    private static ServingContractVerifier.Verified contract() {
        try {
            return ServingContractVerifier.verify(SignedServingContract.read(DIR.resolve("contract.json")), CHECKED_AT);
        } catch (Exception e) {
            throw new IllegalStateException("receipt-fuzz-session/contract.json does not verify at its checked-at instant", e);
        }
    }
}
