package dev.veil.protocol.receipt;

import java.util.List;
import java.util.Optional;

/**
 * The enclave's signed statement to the model provider that the session is over: the items in {@code released} were
 * done (each listed only once it was actually done), as far as the JVM allows (docs/MEMORY.md), and the session
 * refuses any further use. {@code outcome} is "discarded" once the enclave began reading the data provider's data,
 * whatever happened then (success, a model failure, a timeout, an internal error): a hostile model could otherwise
 * choose the outcome from the data and signal it to the model provider. Only a session that ended before any of the
 * data provider's data was read says why, as "failed: " and a {@link FailureCode}. Never free text, so nothing
 * derived from the data provider's data reaches the model provider through it. The receipt holds no digest of the
 * data provider's input or output.
 */
public record DiscardReceipt(String contractHash, String modelSha256, String outcome, List<String> released,
                             String issuedAt, String evidenceSha256) {
    public static final String KIND = "veil.discard-receipt.v1";
    public static final String DISCARDED = "discarded";
    private static final String FAILED = "failed: ";

    public DiscardReceipt {
        released = List.copyOf(released);
        if (!DISCARDED.equals(outcome) && !(outcome != null && outcome.startsWith(FAILED) && isCode(outcome.substring(FAILED.length())))) {
            throw new IllegalArgumentException("discard receipt outcome must be 'discarded' or 'failed: <code>'");
        }
    }

    public static String failed(FailureCode code) {
        return FAILED + code.id();
    }

    /**
     * True when the session reached the data provider's data: the model provider is not told how the run went (the data
     * provider is). False when it ended before, with the reason in {@link #failure()}.
     */
    public boolean completed() {
        return DISCARDED.equals(outcome);
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
