package dev.veil.enclave.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** The file that holds results sealed to the data provider until they are sent: ciphertext only, this user's only. */
final class SealedResultsFile {
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
