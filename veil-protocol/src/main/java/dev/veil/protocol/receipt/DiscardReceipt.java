package dev.veil.protocol.receipt;

import java.util.List;
import java.util.Optional;

/**
 * The enclave's signed statement to the model provider that the session is over: the items in {@code released} were
 * done (each listed only once it was actually done), as far as the JVM allows (docs/MEMORY.md), and the session
 * refuses any further use. {@code outcome} is "completed" or "failed: " and a {@link FailureCode}: never free text,
 * so nothing derived from the data provider's data can reach the model provider through it. The receipt holds no
 * digest of the data provider's input or output.
 */
public record DiscardReceipt(String contractHash, String modelSha256, String outcome, List<String> released,
                             String issuedAt, String evidenceSha256) {
    public static final String KIND = "veil.discard-receipt.v1";
    public static final String COMPLETED = "completed";
    private static final String FAILED = "failed: ";

    public DiscardReceipt {
        released = List.copyOf(released);
        if (!COMPLETED.equals(outcome) && !(outcome != null && outcome.startsWith(FAILED) && isCode(outcome.substring(FAILED.length())))) {
            throw new IllegalArgumentException("discard receipt outcome must be 'completed' or 'failed: <code>'");
        }
    }

    public static String failed(FailureCode code) {
        return FAILED + code.id();
    }

    public boolean completed() {
        return COMPLETED.equals(outcome);
    }

    /** The failure code, when the session failed. */
    public Optional<FailureCode> failure() {
        return completed() ? Optional.empty() : Optional.of(FailureCode.fromId(outcome.substring(FAILED.length())));
    }

    private static boolean isCode(String s) {
        try {
            FailureCode.fromId(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
