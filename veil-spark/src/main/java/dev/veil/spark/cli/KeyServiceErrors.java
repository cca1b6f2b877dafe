package dev.veil.spark.cli;

import org.apache.parquet.crypto.KeyAccessDeniedException;

/**
 * Parquet's failure to get a data key wrapped or unwrapped, as the one line the user acts on. Parquet wraps the key
 * service's own {@link KeyAccessDeniedException} in its own ("Footer key: access denied"), so the innermost one is
 * the key service's: Veil's sentence with the broker's reason (an unknown master key, a refusal, an unreachable broker).
 * It never holds a key or a cell: the key services put only the broker's refusal in it.
 */
final class KeyServiceErrors {
    private KeyServiceErrors() {
    }

    /** The user's line for {@code e} when a key service refused in it; else {@code e} itself, as it was. */
    static Exception explained(String option, String broker, Exception e) {
        KeyAccessDeniedException denied = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KeyAccessDeniedException k) {
                denied = k;
            }
        }
        if (denied == null) {
            return e;
        }
        String line = denied.getMessage() == null ? "the broker gave no data key" : denied.getMessage();
        return new UsageError(option + " " + broker + ": " + line);
    }
}
