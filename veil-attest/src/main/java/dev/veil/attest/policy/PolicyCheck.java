package dev.veil.attest.policy;

/** One policy rule applied to verified claims: what was found, what was expected, and whether it passed. */
public record PolicyCheck(String claim, String found, String expected, boolean pass) {
}
