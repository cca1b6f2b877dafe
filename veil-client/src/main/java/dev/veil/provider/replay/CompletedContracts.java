package dev.veil.provider.replay;

import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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

    private final PrivateRecordFile record;
    private final Optional<String> rerun;

    /**
     * @param stateDir where the record lives (created 0700)
     * @param rerun a contract-hash prefix the user named to run that contract again, or empty
     */
    public CompletedContracts(Path stateDir, Optional<String> rerun) throws ProtocolException {
        this.record = new PrivateRecordFile(stateDir, FILE_NAME, HEADER, "the replay record");
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
        return record.file();
    }

    @Override
    public void beforeConnecting(byte[] contractHash, Role role) throws ProtocolException, IOException {
        record.ensureDirectory();
        refuseIfRun(HexFormat.of().formatHex(contractHash), role, entries());
    }

    @Override
    public void beforeKeyRelease(byte[] contractHash, Role role) throws ProtocolException, IOException {
        String hash = HexFormat.of().formatHex(contractHash);
        record.underLock(() -> {
            refuseIfRun(hash, role, entries());
            append(new Entry(hash, role, Event.RELEASED, Instant.now()));
        });
    }

    @Override
    public void finished(byte[] contractHash, Role role) throws ProtocolException, IOException {
        record.underLock(() -> append(new Entry(HexFormat.of().formatHex(contractHash), role, Event.FINISHED, Instant.now())));
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
                    + first.at() + (finished ? ", finished" : ", not finished") + "; recorded in " + record.file()
                    + "); a contract runs once — to run it again on purpose, pass --rerun " + hash.substring(0, MIN_RERUN_PREFIX));
        }
    }

    /** The record's lines; an absent record is empty, a damaged one is refused (it is the user's to repair). */
    public List<Entry> entries() throws ProtocolException, IOException {
        List<String> lines = record.lines(this::damaged);
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            out.add(parse(lines.get(i), i + 2));
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
        return new ProtocolException("the replay record " + record.file() + " is damaged at line " + line
                + "; restore it from a backup or repair that line (a missing record lets a contract run again)");
    }

    private void append(Entry e) throws ProtocolException, IOException {
        List<String> lines = new ArrayList<>();
        for (Entry old : entries()) {
            lines.add(old.line());
        }
        record.write(lines, e.line());
    }
}
