package dev.veil.seal.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes a file so that it appears complete or not at all: bytes go to a temporary file beside the target, which is
 * moved into place by {@link #commit()}; {@link #close()} without a commit deletes it.
 * <p>A partial file can hold plaintext that was never verified as a whole (an unseal that a later segment would have
 * refused), so every temporary file is created owner-only (0600) by the same system call that creates it, never
 * widened afterwards. A process that is killed cannot delete its temporary file; so the file has a recognisable name,
 * {@code .<target>.veil-partial-<random>.tmp}, its writer holds an OS lock on it while it lives (released by the
 * kernel when the process dies), and the next output to the same target deletes every such file nobody holds.
 */
public final class AtomicOutput implements AutoCloseable {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final String PARTIAL = ".veil-partial-";
    private static final String SUFFIX = ".tmp";
    /**
     * Temporary files this JVM is writing. They are skipped without being opened: on POSIX, closing any descriptor of a
     * file drops every lock the process holds on it, so probing our own file would unlock it for other processes.
     */
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final OutputStream out;
    private boolean committed;

    private AtomicOutput(Path target, boolean secret) throws IOException {
        this.target = target.toAbsolutePath();
        Path dir = this.target.getParent();
        Files.createDirectories(dir);
        String prefix = "." + this.target.getFileName() + PARTIAL;
        removeAbandoned(dir, prefix);
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        if (secret && !posix) {
            throw new IOException("refusing to write secret file " + this.target
                    + ": its file system cannot make it owner-only; choose a path on a POSIX file system");
        }
        this.temp = posix
                ? Files.createTempFile(dir, prefix, SUFFIX, PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                : Files.createTempFile(dir, prefix, SUFFIX);
        LIVE.add(temp);
        try {
            this.channel = FileChannel.open(temp, StandardOpenOption.WRITE);
            channel.lock();
        } catch (IOException | RuntimeException e) {
            LIVE.remove(temp);
            Files.deleteIfExists(temp);
            throw e;
        }
        this.out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 16);
    }

    /**
     * Deletes partial files for this target left by writers that died (killed, power loss). A writer that is still
     * running holds its lock, so its file is left alone.
     */
    private static void removeAbandoned(Path dir, String prefix) throws IOException {
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(SUFFIX);
        })) {
            for (Path p : partials) {
                if (LIVE.contains(p) || !Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    FileLock lock = c.tryLock();
                    if (lock != null) {
                        Files.deleteIfExists(p);
                    }
                } catch (OverlappingFileLockException | java.nio.file.NoSuchFileException
                         | java.nio.file.AccessDeniedException e) {
                    // Another writer in this JVM holds it, another cleaner got there first, or it is not ours to remove.
                }
            }
        }
    }

    /** A non-secret output (sealed file, results); still created owner-only where the file system allows it. */
    public static AtomicOutput open(Path target) throws IOException {
        return new AtomicOutput(target, false);
    }

    /** An output holding a secret (key or identity file): created 0600, refused where that is impossible. */
    public static AtomicOutput openSecret(Path target) throws IOException {
        return new AtomicOutput(target, true);
    }

    public OutputStream stream() {
        return out;
    }

    /**
     * Flushes, syncs to disk and moves the file into place, refusing to overwrite when {@code overwrite} is false.
     * The sync comes first so that a crash can never leave the new name pointing at missing data; the directory is
     * synced after the rename so that the new name itself is durable when this returns.
     */
    public void commit(boolean overwrite) throws IOException {
        out.flush();
        channel.force(true);
        if (overwrite || !linkedInPlace()) {
            if (!overwrite && Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        committed = true;
        DirectorySync.sync(target.getParent());   // the rename itself survives a crash only once its directory is synced
        LIVE.remove(temp);
        out.close();
    }

    /**
     * The target made a second name of the written file, which fails if the target exists, however late it appeared (a
     * check before a rename leaves a moment in which a file made at the target is replaced); then the temporary name
     * removed. False where the file system makes no hard links: the caller then checks and renames.
     */
    private boolean linkedInPlace() throws IOException {
        try {
            Files.createLink(target, temp);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | IOException e) {
            return false;
        }
        Files.delete(temp);
        return true;
    }

    public void commit() throws IOException {
        commit(true);
    }

    /** Writes all of {@code bytes} atomically, replacing the target. */
    public static void write(Path target, byte[] bytes, boolean secret) throws IOException {
        write(target, bytes, secret, true);
    }

    /** Writes all of {@code bytes} atomically; an existing target is replaced only when {@code overwrite}. */
    public static void write(Path target, byte[] bytes, boolean secret, boolean overwrite) throws IOException {
        try (AtomicOutput o = secret ? openSecret(target) : open(target)) {
            o.stream().write(bytes);
            o.commit(overwrite);
        }
    }

    @Override
    public void close() throws IOException {
        if (!committed) {
            try {
                out.close();
            } finally {
                Files.deleteIfExists(temp);
                LIVE.remove(temp);
            }
        }
    }
}
