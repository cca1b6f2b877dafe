package dev.veil.provider.replay;

import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.ProtocolException;
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
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The provider's local record of the contracts it ran: one line per event ({@code released} when its key is about to
 * leave this machine, {@code finished} when the verified receipt arrived), keyed by contract hash and role, in
 * {@code completed-contracts} under a state directory. Lines are only ever added; each update writes the whole file
 * to a 0600 temporary file, syncs it and renames it into place under a lock, so a crash or a concurrent {@code join}
 * leaves the old record or the new one. A contract with a line for this role is refused unless the user names it
 * with {@code --rerun}.
 */
public final class CompletedContracts implements ReplayGuard {
    public static final String FILE_NAME = "completed-contracts";
    private static final String HEADER = "veil completed contracts v1";
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    /** The shortest --rerun prefix: enough that a typo does not name another contract. */
    public static final int MIN_RERUN_PREFIX = 8;

    /** What happened to a contract: its key was released, or its session finished with a verified receipt. */
    public enum Event {
        RELEASED, FINISHED;

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One line of the record. */
    public record Entry(String contractHash, Role role, Event event, Instant at) {
        String line() {
            return contractHash + " " + role.id() + " " + event.id() + " " + at;
        }
    }

    private final Path dir;
    private final Path file;
    private final Optional<String> rerun;

    /**
     * @param stateDir where the record lives (created 0700)
     * @param rerun a contract-hash prefix the user named to run that contract again, or empty
     */
    public CompletedContracts(Path stateDir, Optional<String> rerun) throws ProtocolException {
        this.dir = stateDir.toAbsolutePath();
        this.file = dir.resolve(FILE_NAME);
        if (rerun.isPresent() && !rerun.get().matches("[0-9a-f]{" + MIN_RERUN_PREFIX + ",64}")) {
            throw new ProtocolException("--rerun needs at least the first " + MIN_RERUN_PREFIX + " lowercase hex digits of the contract hash");
        }
        this.rerun = rerun;
    }

    /** {@code $XDG_STATE_HOME/veil}, else {@code ~/.local/state/veil}. */
    public static Path defaultStateDir() {
        String xdg = System.getenv("XDG_STATE_HOME");
        return xdg != null && !xdg.isBlank() ? Path.of(xdg, "veil")
                : Path.of(System.getProperty("user.home"), ".local", "state", "veil");
    }

    public Path file() {
        return file;
    }

    @Override
    public void beforeConnecting(byte[] contractHash, Role role) throws ProtocolException, IOException {
        ensureDirectory();
        refuseIfRun(HexFormat.of().formatHex(contractHash), role, entries());
    }

    @Override
    public void beforeKeyRelease(byte[] contractHash, Role role) throws ProtocolException, IOException {
        String hash = HexFormat.of().formatHex(contractHash);
        underLock(() -> {
            refuseIfRun(hash, role, entries());
            append(new Entry(hash, role, Event.RELEASED, Instant.now()));
        });
    }

    @Override
    public void finished(byte[] contractHash, Role role) throws ProtocolException, IOException {
        underLock(() -> append(new Entry(HexFormat.of().formatHex(contractHash), role, Event.FINISHED, Instant.now())));
    }

    private void refuseIfRun(String hash, Role role, List<Entry> entries) throws ProtocolException {
        List<Entry> mine = entries.stream().filter(e -> e.contractHash().equals(hash) && e.role() == role).toList();
        if (rerun.isPresent()) {
            if (!hash.startsWith(rerun.get())) {
                throw new ProtocolException("--rerun " + rerun.get() + " does not name this contract (hash " + hash.substring(0, 16)
                        + "…); pass a prefix of its hash");
            }
            return;
        }
        if (!mine.isEmpty()) {
            Entry first = mine.get(0);
            boolean finished = mine.stream().anyMatch(e -> e.event() == Event.FINISHED);
            throw new ProtocolException("this " + role.id() + " already ran contract " + hash.substring(0, 16) + "… (key released "
                    + first.at() + (finished ? ", finished" : ", not finished") + "; recorded in " + file
                    + "); a contract runs once — to run it again on purpose, pass --rerun " + hash.substring(0, MIN_RERUN_PREFIX));
        }
    }

    /** The record's lines; an absent record is empty, a damaged one is refused (it is the user's to repair). */
    public List<Entry> entries() throws ProtocolException, IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> lines = List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n", -1));
        if (lines.isEmpty() || !lines.get(0).equals(HEADER) || !lines.get(lines.size() - 1).isEmpty()) {
            throw damaged(1);
        }
        List<Entry> out = new ArrayList<>();
        for (int i = 1; i < lines.size() - 1; i++) {
            out.add(parse(lines.get(i), i + 1));
        }
        return out;
    }

    private Entry parse(String line, int number) throws ProtocolException {
        String[] f = line.split(" ", -1);
        if (f.length != 4 || !f[0].matches("[0-9a-f]{64}")) {
            throw damaged(number);
        }
        try {
            Role role = Role.fromId(f[1]);
            Event event = Event.valueOf(f[2].toUpperCase(Locale.ROOT));
            if (!event.id().equals(f[2])) {
                throw damaged(number);
            }
            return new Entry(f[0], role, event, Instant.parse(f[3]));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw damaged(number);
        }
    }

    private ProtocolException damaged(int line) {
        return new ProtocolException("the replay record " + file + " is damaged at line " + line
                + "; restore it from a backup or repair that line (a missing record lets a contract run again)");
    }

    private void append(Entry e) throws ProtocolException, IOException {
        StringBuilder all = new StringBuilder(HEADER).append('\n');
        for (Entry old : entries()) {
            all.append(old.line()).append('\n');
        }
        all.append(e.line()).append('\n');
        Path temp = Files.createTempFile(dir, "." + FILE_NAME + ".", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_FILE));
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
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private interface Update {
        void run() throws ProtocolException, IOException;
    }

    /** Runs {@code update} holding a lock that serialises concurrent joins on this machine (the lock file holds nothing). */
    private void underLock(Update update) throws ProtocolException, IOException {
        ensureDirectory();
        try (FileChannel ch = FileChannel.open(dir.resolve(FILE_NAME + ".lock"), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_FILE))) {
            FileLock lock = ch.lock();
            try {
                update.run();
            } finally {
                lock.release();
            }
        }
    }

    private void ensureDirectory() throws ProtocolException, IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
        if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new ProtocolException("state directory " + dir + " is writable by other users, who could erase the replay record; "
                    + "run 'chmod 700 " + dir + "' or pass --state with a private directory");
        }
    }
}
