package dev.veil.seal.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes a file so that it appears complete or not at all: bytes go to a temporary file beside the target, which is
 * moved into place by {@link #commit()}; {@link #close()} without a commit deletes it. Secret files are created
 * owner-only (0600) from the start, so there is no moment where another user could read them.
 */
public final class AtomicOutput implements AutoCloseable {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path target;
    private final Path temp;
    private final java.nio.channels.FileChannel channel;
    private final OutputStream out;
    private boolean committed;

    private AtomicOutput(Path target, boolean secret) throws IOException {
        this.target = target.toAbsolutePath();
        Path dir = this.target.getParent();
        Files.createDirectories(dir);
        String prefix = "." + this.target.getFileName() + ".";
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        this.temp = secret && posix
                ? Files.createTempFile(dir, prefix, ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                : Files.createTempFile(dir, prefix, ".tmp");
        this.channel = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE);
        this.out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 16);
    }

    /** A non-secret output (sealed file, results). */
    public static AtomicOutput open(Path target) throws IOException {
        return new AtomicOutput(target, false);
    }

    /** An output holding a secret (key or identity file): created 0600. */
    public static AtomicOutput openSecret(Path target) throws IOException {
        return new AtomicOutput(target, true);
    }

    public OutputStream stream() {
        return out;
    }

    /**
     * Flushes, syncs to disk and moves the file into place, refusing to overwrite when {@code overwrite} is false.
     * The sync comes first so that a crash can never leave the new name pointing at missing data.
     */
    public void commit(boolean overwrite) throws IOException {
        out.flush();
        channel.force(true);
        out.close();
        if (!overwrite && Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        committed = true;
    }

    public void commit() throws IOException {
        commit(true);
    }

    /** Writes all of {@code bytes} atomically. */
    public static void write(Path target, byte[] bytes, boolean secret) throws IOException {
        try (AtomicOutput o = secret ? openSecret(target) : open(target)) {
            o.stream().write(bytes);
            o.commit();
        }
    }

    @Override
    public void close() throws IOException {
        if (!committed) {
            try {
                out.close();
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }
}
