package dev.veil.provider.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state directory's {@code revoked} file, where {@code veil broker revoke} asks for revocations: one line per revoked
 * instance ({@code instance HEX}, the digest of its keys as {@code veil serve} prints it) or {@code all}, which stops
 * every release and every data-key answer. {@code veil broker revoke} replaces the file whole (write and rename), and a
 * running broker rereads it whenever it changed, before each decision and every {@link RevocationWatch#PERIOD} between
 * them, so a revocation holds from the next request on and is recorded even while no request comes.
 * The file is a request, never the authority: the broker writes what it asks into its signed records
 * ({@link RevocationLedger}), and at start rebuilds the revocations in force from the records, so a list deleted or
 * emptied while the broker is stopped revokes less than the records do and counts for nothing.
 *
 * <p>A file that does not parse, or that existed and then disappears under a running broker, revokes everything until it
 * is fixed or back ({@link Snapshot#unreadable}): refusing is the safe reading of a list that cannot be read, and that
 * refusal is not recorded, since nobody asked for it. A running broker keeps every instance it ever read as revoked.
 * Adding takes a lock, so two {@code veil broker revoke} at once both count.
 */
final class Revocations {
    private static final Logger LOG = LoggerFactory.getLogger(Revocations.class);
    static final String ALL = "all";
    static final String INSTANCE = "instance ";

    /**
     * What the file said when it was last read: what it asks to revoke ({@code all}, {@code instances}), and whether it is
     * unreadable now (removed or not parsing), which refuses everything until it is read again but asks for nothing.
     */
    record Snapshot(boolean all, Set<String> instances, boolean unreadable) {
        static final Snapshot NONE = new Snapshot(false, Set.of(), false);
        static final Snapshot UNREADABLE = new Snapshot(false, Set.of(), true);

        boolean revoked(String instanceHex) {
            return all || unreadable || instances.contains(instanceHex);
        }
    }

    private final Path file;
    private Object stamp;
    private Snapshot current = Snapshot.NONE;
    /** Whether the failure to read the list's attributes was logged since it last could be read. */
    private boolean unreadableLogged;

    Revocations(Path file) {
        this.file = file;
    }

    /** The revocations now in force, reread if the file changed since the last call. */
    synchronized Snapshot current() {
        Object now;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            now = List.of(Objects.toString(a.fileKey()), a.size(), a.lastModifiedTime().toMillis());
        } catch (NoSuchFileException e) {
            now = "absent";
        } catch (IOException e) {
            if (!unreadableLogged) {   // once per failure, not at every request and every tick of the broker's watch
                LOG.error("cannot read the revocation list ({}): refusing every release until it can be read", e.getClass().getSimpleName());
                unreadableLogged = true;
            }
            return new Snapshot(current.all(), current.instances(), true);
        }
        if (unreadableLogged) {
            LOG.info("the revocation list can be read again");
            unreadableLogged = false;
        }
        if (!now.equals(stamp)) {
            Snapshot read;
            if (!"absent".equals(now)) {
                read = read(file);
            } else if (stamp == null || "absent".equals(stamp)) {
                read = Snapshot.NONE;   // never written yet
            } else {
                LOG.error("the revocation list {} was removed: refusing every release until it is back (a revocation is "
                        + "never undone by deleting it)", file);
                read = Snapshot.UNREADABLE;
            }
            Set<String> kept = new LinkedHashSet<>(current.instances());
            kept.addAll(read.instances());
            current = new Snapshot(read.all(), Set.copyOf(kept), read.unreadable());
            stamp = now;
        }
        return current;
    }

    private static Snapshot read(Path file) {
        try {
            return parse(Files.readAllLines(file, StandardCharsets.US_ASCII));
        } catch (IOException | IllegalArgumentException e) {
            LOG.error("the revocation list {} does not parse: refusing every release until it is fixed", file);
            return Snapshot.UNREADABLE;
        }
    }

    static Snapshot parse(List<String> lines) {
        boolean all = false;
        Set<String> instances = new LinkedHashSet<>();
        for (String line : lines) {
            if (line.equals(ALL)) {
                all = true;
            } else if (line.startsWith(INSTANCE) && line.substring(INSTANCE.length()).matches("[0-9a-f]{64}")) {
                instances.add(line.substring(INSTANCE.length()));
            } else {
                throw new IllegalArgumentException("not a revocation line");
            }
        }
        return new Snapshot(all, Set.copyOf(instances), false);
    }

    /**
     * Adds a revocation (an instance's hex digest, or null for all), replacing the file whole, under a lock (this
     * process's, and a file lock on {@code revoked.lock} for other processes): a read-modify-write that raced another
     * would drop its revocation.
     */
    static Snapshot add(StateFiles files, Path file, String instanceHex) throws IOException {
        synchronized (Revocations.class) {
            try (java.nio.channels.FileChannel lock = java.nio.channels.FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                 java.nio.channels.FileLock held = lock.lock()) {
                return addLocked(files, file, instanceHex);
            }
        }
    }

    private static Snapshot addLocked(StateFiles files, Path file, String instanceHex) throws IOException {
        Snapshot before;
        try {
            before = Files.exists(file) ? parse(Files.readAllLines(file, StandardCharsets.US_ASCII)) : Snapshot.NONE;
        } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException damaged) {
            // a list rewritten on the state volume: refused with its file named (a FileSystemException, which the CLI
            // prints as one line), never rewritten, since the revocations its damaged lines ask would be dropped
            throw new java.nio.file.FileSystemException(file.toString(), null, "the revocation list is damaged (each line is"
                    + " 'all' or 'instance' and 64 lowercase hex digits), and the broker refuses every release until it is"
                    + " fixed; fix it, then revoke again");
        }
        List<String> lines = new ArrayList<>();
        if (before.all() || instanceHex == null) {
            lines.add(ALL);
        }
        Set<String> instances = new LinkedHashSet<>(before.instances());
        if (instanceHex != null) {
            instances.add(instanceHex);
        }
        instances.forEach(i -> lines.add(INSTANCE + i));
        // reported done only once on disk, the directory's new entry included
        files.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.US_ASCII), true, true);
        return parse(lines);
    }
}
