package dev.veil.cli;

/** A user-facing failure: one line, exit code 2. */
public class CliFailure extends Exception {
    public CliFailure(String message) {
        super(message);
    }
}
