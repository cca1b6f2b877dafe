package dev.veil.spark.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The launcher's checks of the paths it is given, before any work. */
final class UserFiles {
    private UserFiles() {
    }

    static Path file(String option, Path p) throws UsageError {
        if (!Files.isRegularFile(p)) {
            throw new UsageError(option + " " + p + " is not a readable file");
        }
        return p;
    }

    static Path directory(String option, Path p) throws UsageError {
        if (!Files.isDirectory(p)) {
            throw new UsageError(option + " " + p + " is not a directory");
        }
        return p;
    }

    /** A broker's address ({@link BrokerAddress}). */
    static java.net.URI url(String option, String url) throws UsageError {
        return BrokerAddress.parse(option, url);
    }

    /** An output that must not exist yet (Veil never overwrites without --force, and these commands have none). */
    static Path fresh(String option, Path p) throws UsageError {
        if (Files.exists(p)) {
            throw new UsageError(option + " " + p + " exists; give a new path (nothing is overwritten)");
        }
        if (p.toAbsolutePath().getParent() != null && !Files.isDirectory(p.toAbsolutePath().getParent())) {
            throw new UsageError(option + " " + p + ": its directory does not exist");
        }
        return p;
    }
}
