package dev.veil.attest;

/**
 * One check that did not pass: which claim, what the evidence said, what was expected. Rendered for people as
 * "measurement is ab12…, expected one of [cd34…]".
 */
public record ClaimFailure(String claim, String found, String expected) {
    @Override
    public String toString() {
        return claim + " is " + found + ", expected " + expected;
    }
}
