package dev.veil.enclave.inference;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * ONNX Runtime unpacks its native libraries (28 MB on Linux x64) into {@code java.io.tmpdir} on every start unless
 * told otherwise. Veil extracts them once per installation instead, into a private, content-addressed directory under
 * the user's cache ({@code ${XDG_CACHE_HOME:-~/.cache}/veil/onnxruntime-native/<platform>-<digest>}, or the
 * directory named by {@value #ROOT_PROPERTY}), and points ORT at it ({@code onnxruntime.native.path}).
 *
 * <p>A shared directory is a place where someone else could swap a library for one that leaks what the enclave
 * processes, so before every load: the directory and the libraries must be owned by this process's user, must not
 * be symbolic links and must not be writable by group or others (directories are created 0700, libraries 0400);
 * and each library's bytes must have the SHA-256 of the copy inside ONNX Runtime's jar, which is part of the
 * measured code (pinned in {@link BundledLibraryDigests} for the build Veil ships, so the jar's copy is not inflated
 * on every start). A process that loads them itself (serving) checks them when it prepares them
 * ({@link #prepare()}); and each inference worker's start checks them again just before that worker, a process that
 * loads them anew, starts ({@link #verifyBeforeLoad()}). The batch enclave, which loads them only in workers, prepares
 * them without hashing ({@link #prepareForWorkers()}): its first worker starts right after and hashes them then. Anything else is refused with the directory to
 * remove, never repaired silently. What this cannot stop: a process running as the same user (or root) that swaps a file between this check and the load; an
 * image that must rule that out installs the libraries in its measured file system and sets
 * {@code onnxruntime.native.path}, which is then left alone.
 */
public final class NativeLibraries {
    /** System property naming the directory under which the libraries are extracted once. */
    public static final String ROOT_PROPERTY = "veil.native.dir";
    private static final String[] LIBS = {"libonnxruntime.so", "libonnxruntime4j_jni.so"};
    /** Group and others may read nothing Veil writes here, and nobody but the owner may write. */
    private static final int GROUP_OR_OTHERS_WRITE = 0022;
    private static final int ANY_WRITE = 0222;
    /** The root {@link #prepare} verified the libraries under, or null when Veil did not point ONNX Runtime at them. */
    private static Path preparedRoot;

    private NativeLibraries() {
    }

    /** Extracts (first run) or verifies (later runs) the libraries under the installation's root, then points ORT at them. */
    public static synchronized void prepare() throws IOException {
        prepare(defaultRoot());
    }

    /** As {@link #prepare()}, under {@code root}. Does nothing when {@code onnxruntime.native.path} is already set. */
    public static synchronized void prepare(Path root) throws IOException {
        prepare(root, true);
    }

    /**
     * For a process that loads ONNX Runtime only in inference workers, never itself (the batch enclave): extracts the
     * libraries on the first run and checks the directory's and the files' owner and modes as {@link #prepare()} does,
     * but leaves the comparison of their bytes with the pinned digests to {@link #verifyBeforeLoad()}, which every
     * worker's start runs just before that worker loads them. Hashing them here too would hash the same 28 MB twice
     * within a few milliseconds at every boot (the first worker starts right after), and check nothing this process loads.
     */
    public static synchronized void prepareForWorkers() throws IOException {
        prepare(defaultRoot(), false);
    }

    /** As {@link #prepareForWorkers()}, under {@code root}. */
    static synchronized void prepareForWorkers(Path root) throws IOException {
        prepare(root, false);
    }

    private static void prepare(Path root, boolean compareDigests) throws IOException {
        if (System.getProperty("onnxruntime.native.path") != null) {
            return;
        }
        Path dir = directory(root, new UnixSystem().getUid(), compareDigests);
        if (dir != null) {
            System.setProperty("onnxruntime.native.path", dir.toString());
            preparedRoot = root;
        }
    }

    /**
     * Checks the libraries {@link #prepare} pointed ONNX Runtime at again, as on the first load: every inference
     * worker ({@link InferenceWorker}) is a new process that loads them anew. Does nothing when Veil did not prepare
     * them ({@code onnxruntime.native.path} set by the image, or no bundled libraries).
     */
    static synchronized void verifyBeforeLoad() throws IOException {
        if (preparedRoot != null) {
            Path dir = verifiedDirectory(preparedRoot, new UnixSystem().getUid());
            if (dir == null || !dir.toString().equals(System.getProperty("onnxruntime.native.path"))) {
                throw new UntrustedNativeLibraryException("ONNX Runtime's library directory changed since it was verified; refusing to load it");
            }
        }
    }

    /** {@value #ROOT_PROPERTY}, else {@code $XDG_CACHE_HOME/veil/onnxruntime-native}, else {@code ~/.cache/veil/onnxruntime-native}. */
    static Path defaultRoot() {
        String configured = System.getProperty(ROOT_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && xdg.startsWith("/") ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("veil").resolve("onnxruntime-native");
    }

    /**
     * The directory holding libraries identical to the jar's, extracting them first if needed; null when this system
     * or ORT jar has no bundled Linux libraries (ORT's own loader then finds them). {@code uid} is the owner required.
     */
    static Path verifiedDirectory(Path root, long uid) throws IOException {
        return directory(root, uid, true);
    }

    /** As {@link #verifiedDirectory}, comparing the libraries' bytes with the expected digests only when {@code compareDigests}. */
    static Path directory(Path root, long uid, boolean compareDigests) throws IOException {
        if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;   // ORT's own loader handles other systems; TEEs run Linux
        }
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String platform = arch.contains("aarch64") || arch.contains("arm64") ? "linux-aarch64" : "linux-x64";
        Map<String, byte[]> expected = new java.util.LinkedHashMap<>();
        MessageDigest address = sha256();
        for (String lib : LIBS) {
            String resource = resource(platform, lib);
            URL url = NativeLibraries.class.getResource(resource);
            if (url == null) {
                return null;   // not a bundled-natives ORT jar; let ORT find its libraries itself
            }
            byte[] digest = BundledLibraryDigests.pinned(resource, url);
            if (digest == null) {
                digest = digestOfBundled(url);
            }
            expected.put(lib, digest);
            address.update(lib.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            address.update(digest);
        }
        Path dir = root.resolve(platform + "-" + HexFormat.of().formatHex(address.digest(), 0, 16));
        createPrivateDirectories(root);
        requirePrivate(root, uid, GROUP_OR_OTHERS_WRITE, "directory");
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            extract(root, dir, platform);
        }
        requirePrivate(dir, uid, GROUP_OR_OTHERS_WRITE, "directory");
        for (Map.Entry<String, byte[]> lib : expected.entrySet()) {
            Path file = dir.resolve(lib.getKey());
            requirePrivate(file, uid, ANY_WRITE, "library");
            if (compareDigests && !MessageDigest.isEqual(lib.getValue(), digestOf(file))) {
                throw new UntrustedNativeLibraryException("ONNX Runtime library " + file + " differs from the copy inside Veil's ONNX Runtime jar "
                        + "(replaced or corrupted); refusing to load it. Remove " + dir + " and run again");
            }
        }
        return dir;
    }

    /** Creates {@code root}'s missing parents as usual and {@code root} itself 0700. */
    private static void createPrivateDirectories(Path root) throws IOException {
        if (Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path parent = root.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException raced) {
            // another Veil process created it first; it is checked like any existing directory
        }
    }

    /** Writes both libraries into a private staging directory, then renames it into place in one step. */
    private static void extract(Path root, Path dir, String platform) throws IOException {
        Path staging = Files.createTempDirectory(root, ".extract-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            for (String lib : LIBS) {
                Path file = staging.resolve(lib);
                try (InputStream in = bundled(platform, lib);
                     OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    in.transferTo(out);
                }
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
            }
            try {
                Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException | java.nio.file.DirectoryNotEmptyException raced) {
                // another Veil process extracted the same libraries first; its copy is verified like any other
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    throw raced;
                }
            }
        } finally {
            deleteTree(staging);
        }
    }

    private static void requirePrivate(Path p, long uid, int forbiddenModeBits, String what) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        boolean directory = (mode & 0170000) == 0040000;
        boolean regular = (mode & 0170000) == 0100000;
        String problem = null;
        if (what.equals("directory") ? !directory : !regular) {
            problem = "is not a " + (what.equals("directory") ? "directory" : "regular file") + " (a symbolic link or other file)";
        } else if (((Integer) a.get("uid")).longValue() != uid) {
            problem = "is owned by another user (uid " + a.get("uid") + ")";
        } else if ((mode & forbiddenModeBits) != 0) {
            problem = "is writable by " + ((mode & GROUP_OR_OTHERS_WRITE) != 0 ? "group or others" : "its owner")
                    + " (mode " + Integer.toOctalString(mode & 07777) + ")";
        }
        if (problem != null) {
            throw new UntrustedNativeLibraryException("ONNX Runtime's " + what + " " + p + " " + problem + "; refusing to load libraries from it. "
                    + "Remove it (Veil recreates it privately), or set -D" + ROOT_PROPERTY + " to a private directory");
        }
    }

    static String resource(String platform, String lib) {
        return "/ai/onnxruntime/native/" + platform + "/" + lib;
    }

    private static InputStream bundled(String platform, String lib) throws IOException {
        InputStream in = NativeLibraries.class.getResourceAsStream(resource(platform, lib));
        if (in == null) {
            throw new IOException("ONNX Runtime's jar has no " + platform + "/" + lib);
        }
        return in;
    }

    /** The SHA-256 of the jar's own copy, inflated and hashed (a build whose digests are not pinned). */
    static byte[] digestOfBundled(URL url) throws IOException {
        try (InputStream in = url.openStream()) {
            return digest(in);
        }
    }

    private static byte[] digestOf(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return digest(in);
        }
    }

    private static byte[] digest(InputStream in) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
        }
        return md.digest();
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(p)) {
            s.forEach(all::add);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            Files.deleteIfExists(all.get(i));
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
