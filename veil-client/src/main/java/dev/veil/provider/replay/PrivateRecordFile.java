package dev.veil.provider.replay;

import dev.veil.protocol.json.ProtocolException;
import dev.veil.seal.io.DirectorySync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A provider's local, append-only record of lines under a private state directory: a header line, then one line per
 * event. Each update rewrites the whole file to a 0600 temporary file, syncs it and renames it into place under a lock,
 * so a crash or a concurrent command leaves the old record or the new one. Its callers own the lines' meaning.
 */
final class PrivateRecordFile {
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

    /** Runs while the record's lock is held. */
    interface Update {
        void run() throws ProtocolException, IOException;
    }

    private final Path dir;
    private final Path file;
    private final String header;
    /** What the record protects, for the refusal when its directory is writable by others. */
    private final String protects;

    PrivateRecordFile(Path stateDir, String fileName, String header, String protects) {
        this.dir = stateDir.toAbsolutePath();
        this.file = dir.resolve(fileName);
        this.header = header;
        this.protects = protects;
    }

    Path file() {
        return file;
    }

    /** The record's lines after its header; an absent record is empty, a damaged one refused with {@code damaged(line)}. */
    List<String> lines(java.util.function.IntFunction<ProtocolException> damaged) throws ProtocolException, IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> lines = List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n", -1));
        if (lines.isEmpty() || !lines.get(0).equals(header) || !lines.get(lines.size() - 1).isEmpty()) {
            throw damaged.apply(1);
        }
        return new ArrayList<>(lines.subList(1, lines.size() - 1));
    }

    /** Writes {@code existing} lines and {@code line} as the new record (call under {@link #underLock}). */
    void write(List<String> existing, String line) throws IOException {
        StringBuilder all = new StringBuilder(header).append('\n');
        for (String old : existing) {
            all.append(old).append('\n');
        }
        all.append(line).append('\n');
        Path temp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_FILE));
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                var buf = java.nio.ByteBuffer.wrap(all.toString().getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException noAtomicMove) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            // a record that a crash rolls back would let a spent nonce or session be accepted again
            DirectorySync.sync(dir);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Runs {@code update} holding a lock that serialises concurrent commands on this machine (the lock file holds nothing). */
    void underLock(Update update) throws ProtocolException, IOException {
        ensureDirectory();
        try (FileChannel ch = FileChannel.open(dir.resolve(file.getFileName() + ".lock"),
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OWNER_FILE))) {
            FileLock lock = ch.lock();
            try {
                update.run();
            } finally {
                lock.release();
            }
        }
    }

    void ensureDirectory() throws ProtocolException, IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
        if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new ProtocolException("state directory " + dir + " is writable by other users, who could erase " + protects
                    + "; run 'chmod 700 " + dir + "' or pass --state with a private directory");
        }
    }
}
