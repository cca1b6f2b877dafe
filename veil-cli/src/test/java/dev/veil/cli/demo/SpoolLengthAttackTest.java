package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.contract.OutputPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encrypted output spool (review of issue 11) sits on the host's disk. Its contents are ciphertext under a key that
 * never leaves the enclave, but its length is the host's to read.
 */
class SpoolLengthAttackTest {
    @TempDir
    Path tempDir;

    /**
     * The sealed results are padded to a length that depends only on the output policy and the row-count bucket, so
     * that the host cannot read the scores' text lengths (or a hostile model's chosen label lengths) from the
     * 'result' message's sealed_size. The encoded output is now first written, unpadded, to the spool file in the
     * enclave's work directory: a host that keeps a hard link to the spool file (or just reads its size before it is
     * deleted) gets the exact unpadded length back. Two top_k datasets with the same row count: their sealed results
     * have the same size, and so must their spools.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void spoolFileOnTheHostsDiskGivesAwayTheOutputLengthThatPaddingHides() throws Exception {
        Path hostCopies = Files.createDirectories(tempDir.resolve("host-copies"));
        try (Ceremony c = new Ceremony(tempDir.resolve("enclave"))) {
            Path spoolDir = c.config.workDir().resolve("spool");
            SpoolLinker linker = new SpoolLinker(spoolDir, hostCopies);
            byte[] model = Ceremony.digitsModel(21);
            String[] rows = new String(Ceremony.evaluationData().featuresCsv(), StandardCharsets.US_ASCII).split("\n");
            // Many rows, so that the spool exists long enough for the host to see it (seconds, not milliseconds).
            byte[] first = (rows[0] + "\n" + (String.join("\n", Arrays.copyOfRange(rows, 1, 5)) + "\n").repeat(5_000))
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] second = (rows[0] + "\n" + (String.join("\n", Arrays.copyOfRange(rows, 5, 9)) + "\n").repeat(5_000))
                    .getBytes(StandardCharsets.US_ASCII);
            LocalCeremony.Run a;
            LocalCeremony.Run b;
            long spoolA;
            long spoolB;
            try {
                linker.start();
                a = c.run(Ceremony.signed(c.contract(model, OutputPolicy.topK(3), c.policy())), model, first);
                spoolA = linker.linkedSizes().stream().mapToLong(Long::longValue).sum();
                linker.clear();
                b = c.run(Ceremony.signed(c.contract(model, OutputPolicy.topK(3), c.policy())), model, second);
                spoolB = linker.linkedSizes().stream().mapToLong(Long::longValue).sum();
            } finally {
                linker.stop();
            }
            a.requireSuccess();
            b.requireSuccess();
            assertThat(a.dp().result().output().length).as("the premise: the two outputs' text lengths differ")
                    .isNotEqualTo(b.dp().result().output().length);
            assertThat(b.dp().result().sealedSize()).as("sealed_size, in the clear: padded").isEqualTo(a.dp().result().sealedSize());
            assertThat(spoolA).as("the host saw the first session's spool").isPositive();
            assertThat(spoolB).as("the host saw the second session's spool").isPositive();
            assertThat(spoolB).as("the spool's length on the host's disk, for two 20000-row top_k outputs").isEqualTo(spoolA);
        }
    }

    /**
     * A run that dies (the JVM killed, the machine reset: the host's to choose) leaves its spool and its sealed results
     * file behind; SealedResultsFile says "the enclave's next start clears the directory", but nothing does. A host
     * that kills the enclave during big runs fills the disk with files sized like the outputs (whose lengths are the
     * leak above), and they stay across restarts. The enclave must clear its spool directory when it starts.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void spoolFilesOfARunThatDiedStayAcrossRestarts() throws Exception {
        Path workDir = tempDir.resolve("enclave");
        Path spoolDir = Files.createDirectories(workDir.resolve("spool"));
        Path staleSpool = Files.write(spoolDir.resolve("spool-1234.enc"), new byte[4096]);
        Path staleResults = Files.write(spoolDir.resolve("results-1234.veil"), new byte[4096]);
        try (Ceremony c = new Ceremony(workDir)) {
            assertThat(staleSpool).as("a spool left by a run that died").doesNotExist();
            assertThat(staleResults).as("a sealed results file left by a run that died").doesNotExist();
        }
    }

    /** The host: hard-links every spool file as soon as it appears, and so keeps it, at its final length, after the enclave deletes its name. */
    private static final class SpoolLinker {
        private final Path watched;
        private final Path copies;
        private final Set<String> linked = new HashSet<>();
        private final List<Path> links = new ArrayList<>();
        private volatile boolean running = true;
        private Thread thread;

        SpoolLinker(Path watched, Path copies) {
            this.watched = watched;
            this.copies = copies;
        }

        void start() {
            thread = new Thread(() -> {
                while (running) {
                    if (Files.isDirectory(watched)) {
                        try (DirectoryStream<Path> ds = Files.newDirectoryStream(watched, "spool-*")) {
                            for (Path p : ds) {
                                synchronized (this) {
                                    if (linked.add(p.getFileName().toString())) {
                                        Path link = copies.resolve(p.getFileName());
                                        Files.createLink(link, p);
                                        links.add(link);
                                    }
                                }
                            }
                        } catch (IOException ignored) {
                            // the file went before it could be linked; the next one will be
                        }
                    }
                    Thread.onSpinWait();
                }
            }, "host-spool-linker");
            thread.setDaemon(true);
            thread.start();
        }

        synchronized List<Long> linkedSizes() throws IOException {
            List<Long> sizes = new ArrayList<>();
            for (Path l : links) {
                sizes.add(Files.size(l));
            }
            return sizes;
        }

        synchronized void clear() {
            links.clear();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }
    }
}
