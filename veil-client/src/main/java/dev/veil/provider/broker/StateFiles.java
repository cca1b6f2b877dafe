package dev.veil.provider.broker;

import dev.veil.seal.io.AtomicOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * How the broker puts a file of its state in place so that a crash keeps it: the file's bytes are forced to disk, it
 * is renamed (or created) in its directory, and then the directory itself is forced. A rename or a new name is a change
 * to the directory, not to the file: until the directory is on disk, a crash can bring back the old name (a kept head
 * older than the releases already answered, a revocation list without the revocation just reported done) or lose a
 * new file outright (a master key, a release record), whatever fsync the file's own bytes had.
 */
final class StateFiles {
    /** Forces a directory's entries to disk; the real one ({@link #FSYNC}), or a test's recorder. */
    @FunctionalInterface
    interface DirectorySync {
        void sync(Path dir) throws IOException;
    }

    /** fsync(2) on the directory ({@link dev.veil.seal.io.DirectorySync}, which every other durable rename uses too). */
    static final DirectorySync FSYNC = dev.veil.seal.io.DirectorySync::sync;

    private final DirectorySync sync;

    StateFiles(DirectorySync sync) {
        this.sync = sync;
    }

    /**
     * Writes {@code bytes} whole to {@code target} ({@link AtomicOutput}: a temporary file, forced, renamed), replacing it
     * only when {@code overwrite}, then forces its directory.
     */
    void write(Path target, byte[] bytes, boolean secret, boolean overwrite) throws IOException {
        AtomicOutput.write(target, bytes, secret, overwrite);
        sync.sync(directoryOf(target));
    }

    /**
     * Replaces {@code target} through a fixed scratch file beside it, for a file rewritten on every group commit (the
     * kept head): the caller holds the state directory's lock, so no other writer uses the scratch name, and one a
     * crash left is overwritten. The scratch is forced before the rename, the directory after it.
     */
    void replaceVia(Path scratch, Path target, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try (FileChannel c = FileChannel.open(scratch, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), PosixFilePermissions.asFileAttribute(BrokerState.OWNER_FILE))) {
            while (b.hasRemaining()) {
                c.write(b);
            }
            c.force(true);
        }
        Files.move(scratch, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        sync.sync(directoryOf(target));
    }

    /** After a file or directory was created at {@code created}: forces the directory that now names it. */
    void created(Path created) throws IOException {
        sync.sync(directoryOf(created));
    }

    private static Path directoryOf(Path p) {
        return p.toAbsolutePath().getParent();
    }
}
