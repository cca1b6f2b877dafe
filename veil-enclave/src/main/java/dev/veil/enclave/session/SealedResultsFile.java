package dev.veil.enclave.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The file that holds results sealed to the data provider until they are sent: ciphertext only, this user's only. It
 * sits in the work directory's spool folder with the encrypted output spools; {@link #clearLeftovers} removes what a
 * process that died mid-session left there.
 */
public final class SealedResultsFile {
    private SealedResultsFile() {
    }

    static Path create(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            return Files.createTempFile(dir, "results-", ".veil", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            return Files.createTempFile(dir, "results-", ".veil");
        }
    }

    /** At the enclave's start: no session is running, so every file in the spool folder is a dead session's ciphertext. */
    public static void clearLeftovers(Path workDir) throws IOException {
        Path dir = workDir.resolve(Session.SPOOL_DIR);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if ((name.startsWith("spool-") && name.endsWith(".enc")) || (name.startsWith("results-") && name.endsWith(".veil"))) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // ciphertext for the data provider only; the enclave's next start clears the directory
        }
    }
}
