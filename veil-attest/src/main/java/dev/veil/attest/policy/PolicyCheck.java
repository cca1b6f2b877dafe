package dev.veil.attest.policy;

import java.util.List;

/** One reference-value rule applied to verified claims: what was found, what was expected, and whether it passed. */
public record PolicyCheck(String claim, String found, String expected, boolean pass) {
    public static List<PolicyCheck> failures(List<PolicyCheck> checks) {
        return checks.stream().filter(p -> !p.pass()).toList();
    }
}
