package dev.veil.attest;

import java.util.List;
import java.util.stream.Collectors;

/** Evidence could not be parsed, its signatures or chain did not verify, or its claims broke the policy. */
public class AttestationException extends Exception {
    private final List<ClaimFailure> failures;

    public AttestationException(List<ClaimFailure> failures) {
        super(failures.stream().map(ClaimFailure::toString).collect(Collectors.joining("; ")));
        this.failures = List.copyOf(failures);
    }

    public AttestationException(ClaimFailure failure) {
        this(List.of(failure));
    }

    public AttestationException(String claim, String found, String expected) {
        this(new ClaimFailure(claim, found, expected));
    }

    public List<ClaimFailure> failures() {
        return failures;
    }
}
