package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whoever can touch the broker's state directory, or two operators revoking at once, must not undo a revocation. */
class RevocationsAttackTest {
    private static final String A = "aa".repeat(32);
    private static final String B = "bb".repeat(32);

    @Test
    void deletingTheRevocationListDoesNotReviveARevokedInstance(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("revoked");
        Revocations running = new Revocations(file);
        assertThat(running.current().revoked(A)).isFalse();   // never written: nothing revoked
        Revocations.add(new StateFiles(StateFiles.FSYNC), file, A);
        assertThat(running.current().revoked(A)).isTrue();

        Files.delete(file);
        assertThat(running.current().revoked(A)).as("revoked, then its list deleted").isTrue();
        assertThat(running.current().revoked(B)).as("a list removed under a running broker stops every release").isTrue();

        Revocations.add(new StateFiles(StateFiles.FSYNC), file, B);   // a list written again without A
        Files.writeString(file, "instance " + B + "\n");
        assertThat(running.current().revoked(A)).as("a revocation is never undone by rewriting the list").isTrue();
        assertThat(running.current().revoked(B)).isTrue();
    }

    @Test
    void revocationsAddedAtOnceAreAllKept(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("revoked");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            List<String> instances = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String hex = String.format("%064x", i + 1);
                instances.add(hex);
                done.add(pool.submit(() -> Revocations.add(new StateFiles(StateFiles.FSYNC), file, hex)));
            }
            for (Future<?> f : done) {
                f.get();
            }
            Revocations.Snapshot now = Revocations.parse(Files.readAllLines(file));
            assertThat(now.instances()).containsExactlyInAnyOrderElementsOf(instances);
        } finally {
            pool.shutdownNow();
        }
    }
}
