package dev.veil.enclave.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A process that died mid-session leaves ciphertext in the spool folder; the next start removes it, and only it. */
class SpoolLeftoversTest {
    @TempDir
    Path work;

    @Test
    void deadSessionsSpoolAndSealedResultsAreRemovedAtStart() throws Exception {
        Path spool = Files.createDirectories(work.resolve(Session.SPOOL_DIR));
        Path deadSpool = Files.write(spool.resolve("spool-123.enc"), new byte[] {1});
        Path deadResults = Files.write(spool.resolve("results-456.veil"), new byte[] {2});
        Path operatorsFile = Files.write(spool.resolve("notes.txt"), new byte[] {3});
        EnclaveConfig config = EnclaveConfig.simDefaults(work);
        try (EnclaveServer ignored = EnclaveServer.start(config, EnclaveServer.evidenceSourceFor(config))) {
            assertThat(deadSpool).doesNotExist();
            assertThat(deadResults).doesNotExist();
            assertThat(operatorsFile).exists();
        }
    }
}
