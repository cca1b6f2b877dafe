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

    /** A broker's address: an http or https URL. */
    static java.net.URI url(String option, String url) throws UsageError {
        try {
            java.net.URI u = new java.net.URI(url);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                return u;
            }
        } catch (java.net.URISyntaxException e) {
            // worded below
        }
        throw new UsageError(option + " " + url + " is not an http(s) URL such as http://127.0.0.1:8702/");
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
