package dev.veil.protocol.receipt;

import java.util.List;

/**
 * The enclave's signed statement to the model provider that the session is over: the model bytes, inference session
 * and keys listed in {@code released} were released and wiped as far as the JVM allows (docs/MEMORY.md), and the
 * session refuses any further use. {@code outcome} is "completed", or "failed: " and the reason.
 */
public record DiscardReceipt(String contractHash, String modelSha256, String outcome, List<String> released,
                             String issuedAt, String evidenceSha256) {
    public static final String KIND = "veil.discard-receipt.v1";
    public static final String COMPLETED = "completed";

    public boolean completed() {
        return COMPLETED.equals(outcome);
    }

    public DiscardReceipt {
        released = List.copyOf(released);
    }
}
