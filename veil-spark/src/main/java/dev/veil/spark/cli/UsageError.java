package dev.veil.spark.cli;

/** Bad input from the user: one line saying what was wrong and what to do; exit 2. */
final class UsageError extends Exception {
    UsageError(String message) {
        super(message);
    }
}
