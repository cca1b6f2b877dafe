package dev.veil.enclave.evidence;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The installation's record of the jars the sim measurement has hashed: for each, its SHA-384 and its manifest's
 * {@code Class-Path}, kept with the file's identity — device, inode, size, modification time and status-change time.
 * Hashing the CLI's 70 MB of jars costs 0.4–0.5 s of CPU in a cold JVM (plus C2 compiling the hash), most of a demo's
 * enclave boot; a jar whose identity has not changed since it was hashed is not read again.
 *
 * <p>This never narrows what is measured: every class-path entry is still in the measurement, in order, by its
 * content's digest. Any write to a file changes its status-change time, which only the kernel sets (from the clock),
 * and replacing it changes its inode, so a jar changed in any way since it was recorded is hashed again. A jar changed
 * less than {@link #SETTLE} before it was hashed is not recorded (a write within the same clock tick could otherwise go
 * unseen), nor one whose identity changed while it was being hashed. Class directories (a build's {@code
 * target/classes}) are never recorded.
 *
 * <p>The record is a file under {@code ${XDG_CACHE_HOME:-~/.cache}/veil/measurement/} (or the directory named by
 * {@value #DIRECTORY_PROPERTY}). It is used only when it and its directory belong to this user and nobody else may
 * write to them, and only when every line of it parses; otherwise it is ignored, not trusted, and every jar is hashed.
 */
final class MeasuredJarRecord {
    static final String DIRECTORY_PROPERTY = "veil.measurement.cache";
    private static final String FILE = "jars-v1";
    private static final String FIRST_LINE = "veil measured jars v1";
    /** A jar changed this recently is hashed but not recorded. */
    static final java.time.Duration SETTLE = java.time.Duration.ofSeconds(2);
    private static final int GROUP_OR_OTHERS_WRITE = 0022;

    /** What the measurement needs of one jar. {@code manifestClassPath} is null when its manifest names none. */
    record Measured(byte[] sha384, String manifestClassPath) {
    }

    /** A file's identity: what any change to its content changes. */
    record Identity(long device, long inode, long size, long modifiedNanos, long changedNanos) {
        /** The file's identity, or null where the file system does not report it (then nothing is recorded for it). */
        static Identity of(Path file) throws IOException {
            Map<String, Object> a;
            try {
                a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                return null;
            }
            return new Identity((Long) a.get("dev"), (Long) a.get("ino"), (Long) a.get("size"),
                    ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS), ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS));
        }

        /** Whether neither time is later than {@code before} (the clock's reading before the jar was hashed, less {@link #SETTLE}). */
        boolean settledBefore(Instant before) {
            long limit = TimeUnit.SECONDS.toNanos(before.getEpochSecond()) + before.getNano();
            return modifiedNanos < limit && changedNanos < limit;
        }
    }

    private record Entry(Identity identity, Measured measured) {
    }

    private final Path file;
    private final Map<Path, Entry> entries;
    private boolean changed;

    private MeasuredJarRecord(Path file, Map<Path, Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    /** The installation's record, or an empty one that is not saved when the record's place is not private to this user. */
    static MeasuredJarRecord open() {
        return open(directory());
    }

    /** The record kept in {@code dir}, as {@link #open()}. */
    static MeasuredJarRecord open(Path dir) {
        long uid = new UnixSystem().getUid();
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (!isPrivate(dir, uid, true)) {
                return new MeasuredJarRecord(null, new HashMap<>());
            }
            Path f = dir.resolve(FILE);
            if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                return new MeasuredJarRecord(f, new HashMap<>());
            }
            if (!isPrivate(f, uid, false)) {
                return new MeasuredJarRecord(null, new HashMap<>());
            }
            return new MeasuredJarRecord(f, parse(Files.readAllLines(f, StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            // an unreadable or unusable record only means hashing every jar, as without one
            return new MeasuredJarRecord(null, new HashMap<>());
        }
    }

    /** The jar's recorded digest and Class-Path if its identity is the recorded one, else null. */
    Measured lookup(Path jar, Identity now) {
        Entry e = now == null ? null : entries.get(jar);
        return e != null && e.identity().equals(now) ? e.measured() : null;
    }

    /** Records a jar just hashed, if its identity was the same before and after and had settled before the hashing began. */
    void record(Path jar, Identity before, Identity after, Instant hashingStarted, Measured measured) {
        if (before != null && before.equals(after) && before.settledBefore(hashingStarted.minus(SETTLE))) {
            entries.put(jar, new Entry(before, measured));
            changed = true;
        }
    }

    /**
     * Writes the record if anything was added, atomically (a concurrent reader sees the old or the new file whole),
     * without the jars that no longer exist.
     */
    void save() {
        if (!changed || file == null) {
            return;
        }
        entries.keySet().removeIf(jar -> !Files.exists(jar));
        Path tmp = file.resolveSibling(FILE + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, format().getBytes(StandardCharsets.UTF_8));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            changed = false;
        } catch (IOException | RuntimeException e) {
            // not recorded: the next run hashes these jars again
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    /** {@value #DIRECTORY_PROPERTY}, else {@code $XDG_CACHE_HOME/veil/measurement}, else {@code ~/.cache/veil/measurement}. */
    static Path directory() {
        String configured = System.getProperty(DIRECTORY_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && xdg.startsWith("/") ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("veil").resolve("measurement");
    }

    private static boolean isPrivate(Path p, long uid, boolean directory) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        int type = mode & 0170000;
        return type == (directory ? 0040000 : 0100000) && ((Integer) a.get("uid")).longValue() == uid
                && (mode & GROUP_OR_OTHERS_WRITE) == 0;
    }

    private String format() {
        StringBuilder sb = new StringBuilder(FIRST_LINE).append('\n');
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        for (Map.Entry<Path, Entry> e : entries.entrySet()) {
            Identity id = e.getValue().identity();
            Measured m = e.getValue().measured();
            sb.append(b64.encodeToString(e.getKey().toString().getBytes(StandardCharsets.UTF_8))).append(' ')
                    .append(id.device()).append(' ').append(id.inode()).append(' ').append(id.size()).append(' ')
                    .append(id.modifiedNanos()).append(' ').append(id.changedNanos()).append(' ')
                    .append(HexFormat.of().formatHex(m.sha384())).append(' ')
                    .append(m.manifestClassPath() == null ? "-" : b64.encodeToString(m.manifestClassPath().getBytes(StandardCharsets.UTF_8)))
                    .append('\n');
        }
        return sb.toString();
    }

    /** Every line must parse, with no path twice; otherwise the whole record is refused (IllegalArgumentException). */
    static Map<Path, Entry> parse(List<String> lines) {
        if (lines.isEmpty() || !lines.get(0).equals(FIRST_LINE)) {
            throw new IllegalArgumentException("not a record of measured jars");
        }
        Base64.Decoder b64 = Base64.getUrlDecoder();
        Map<Path, Entry> out = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(" ", -1);
            if (f.length != 8) {
                throw new IllegalArgumentException("a line of the record has " + f.length + " fields");
            }
            Path path = Path.of(new String(b64.decode(f[0]), StandardCharsets.UTF_8));
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("a recorded path is relative");
            }
            Identity id = new Identity(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]),
                    Long.parseLong(f[5]));
            byte[] sha = HexFormat.of().parseHex(f[6]);
            if (sha.length != 48) {
                throw new IllegalArgumentException("a recorded digest is not SHA-384");
            }
            String classPath = f[7].equals("-") ? null : new String(b64.decode(f[7]), StandardCharsets.UTF_8);
            if (out.put(path, new Entry(id, new Measured(sha, classPath))) != null) {
                throw new IllegalArgumentException("a path is recorded twice");
            }
        }
        return out;
    }
}
