package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The libraries are extracted once per installation into a directory other processes may share, so every way of
 * swapping what the enclave loads from it is tried here: a library replaced, a library replaced by a link, the
 * directory opened to others or owned by someone else. Each must be refused before ONNX Runtime loads anything.
 */
class NativeLibrariesTest {
    private static final long ME = new UnixSystem().getUid();

    @TempDir
    Path root;

    @BeforeAll
    static void linuxWithBundledLibraries() {
        assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"));
    }

    @Test
    void extractsOnceIntoAPrivateReadOnlyDirectoryAndReusesIt() throws IOException {
        Path dir = NativeLibraries.verifiedDirectory(root, ME);
        assertThat(dir.getParent()).isEqualTo(root);
        assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        Path lib = dir.resolve("libonnxruntime.so");
        assertThat(Files.getPosixFilePermissions(lib)).isEqualTo(PosixFilePermissions.fromString("r--------"));
        FileTime written = Files.getLastModifiedTime(lib);

        assertThat(NativeLibraries.verifiedDirectory(root, ME)).isEqualTo(dir);
        assertThat(Files.getLastModifiedTime(lib)).as("the second run reuses the first run's copy").isEqualTo(written);
        try (Stream<Path> s = Files.list(root)) {
            assertThat(s.toList()).as("no staging directory left behind").containsExactly(dir);
        }
    }

    @Test
    void swappedLibraryIsRefused() throws IOException {
        Path dir = NativeLibraries.verifiedDirectory(root, ME);
        Path jni = dir.resolve("libonnxruntime4j_jni.so");
        byte[] evil = Files.readAllBytes(jni);
        evil[evil.length / 2] ^= 1;   // one bit: the same size and name, different code
        replace(jni, evil);

        assertThatThrownBy(() -> NativeLibraries.verifiedDirectory(root, ME)).isInstanceOf(UntrustedNativeLibraryException.class)
                .hasMessageContaining(jni.toString()).hasMessageContaining("differs from the copy inside");
    }

    @Test
    void libraryReplacedByALinkIsRefused() throws IOException {
        Path dir = NativeLibraries.verifiedDirectory(root, ME);
        Path lib = dir.resolve("libonnxruntime.so");
        Path elsewhere = Files.copy(lib, root.resolve("attacker.so"));
        Files.delete(lib);
        Files.createSymbolicLink(lib, elsewhere);

        assertThatThrownBy(() -> NativeLibraries.verifiedDirectory(root, ME)).isInstanceOf(UntrustedNativeLibraryException.class)
                .hasMessageContaining("is not a regular file");
    }

    @Test
    void writableLibraryIsRefused() throws IOException {
        Path dir = NativeLibraries.verifiedDirectory(root, ME);
        Files.setPosixFilePermissions(dir.resolve("libonnxruntime.so"), PosixFilePermissions.fromString("rw-rw-rw-"));

        assertThatThrownBy(() -> NativeLibraries.verifiedDirectory(root, ME)).isInstanceOf(UntrustedNativeLibraryException.class)
                .hasMessageContaining("is writable by group or others");
    }

    @Test
    void directoryWritableByOthersIsRefused() throws IOException {
        NativeLibraries.verifiedDirectory(root, ME);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> NativeLibraries.verifiedDirectory(root, ME)).isInstanceOf(UntrustedNativeLibraryException.class)
                .hasMessageContaining(root.toString()).hasMessageContaining("is writable by group or others");
    }

    @Test
    void directoryOwnedByAnotherUserIsRefused() throws IOException {
        NativeLibraries.verifiedDirectory(root, ME);

        // the directory is ours, so a process running as any other uid must see it as someone else's
        assertThatThrownBy(() -> NativeLibraries.verifiedDirectory(root, ME + 1)).isInstanceOf(UntrustedNativeLibraryException.class)
                .hasMessageContaining("is owned by another user");
    }

    @Test
    void rootThatIsALinkIsRefused() throws IOException {
        Path real = Files.createDirectory(root.resolve("real"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(root.resolve("link"), real);

        assertThatThrownBy(() -> NativeLibraries.verifiedDirectory(link, ME)).isInstanceOf(UntrustedNativeLibraryException.class)
                .hasMessageContaining("is not a directory");
    }

    @Test
    void theInstallationRootIsTheUsersCacheUnlessNamed() {
        String before = System.getProperty(NativeLibraries.ROOT_PROPERTY);
        try {
            System.clearProperty(NativeLibraries.ROOT_PROPERTY);
            assertThat(NativeLibraries.defaultRoot().endsWith(Path.of("veil", "onnxruntime-native"))).isTrue();
            System.setProperty(NativeLibraries.ROOT_PROPERTY, root.toString());
            assertThat(NativeLibraries.defaultRoot()).isEqualTo(root);
        } finally {
            if (before == null) {
                System.clearProperty(NativeLibraries.ROOT_PROPERTY);
            } else {
                System.setProperty(NativeLibraries.ROOT_PROPERTY, before);
            }
        }
    }

    @Test
    void pinnedDigestsAreThoseOfTheBundledLibraries() throws IOException {
        int checked = 0;
        for (var pinned : BundledLibraryDigests.PINNED.entrySet()) {
            java.net.URL url = NativeLibraries.class.getResource(pinned.getKey());
            assertThat(url).as(pinned.getKey() + " in ONNX Runtime's jar (update BundledLibraryDigests after an upgrade)").isNotNull();
            assertThat(java.util.HexFormat.of().formatHex(NativeLibraries.digestOfBundled(url))).as(pinned.getKey())
                    .isEqualTo(pinned.getValue().sha256());
            assertThat(BundledLibraryDigests.pinned(pinned.getKey(), url)).as("size and CRC-32 identify " + pinned.getKey()).isNotNull();
            checked++;
        }
        assertThat(checked).isEqualTo(4);
    }

    @Test
    void anUnpinnedBuildIsHashedFromTheJar() throws IOException {
        java.net.URL url = NativeLibraries.class.getResource(NativeLibraries.resource("linux-x64", "libonnxruntime.so"));
        assertThat(BundledLibraryDigests.pinned("/some/other/build/libonnxruntime.so", url)).isNull();
    }

    @Test
    void librarySwappedAfterTheEnclaveStartedIsRefusedBeforeAWorkerLoadsIt() throws Exception {
        assertThat(swapThenLoad("prepare")).contains("refused: internal_error").contains("differs from the copy inside");
    }

    @Test
    void libraryThatTheBatchEnclaveDidNotHashIsHashedBeforeAWorkerLoadsIt() throws Exception {
        // prepareForWorkers() checks owners and modes but leaves the digests to each worker's start
        assertThat(swapThenLoad("prepareForWorkers")).contains("refused: internal_error").contains("differs from the copy inside");
    }

    @Test
    void theBatchEnclavesPreparationStillRefusesAWritableLibrary() throws IOException {
        Path dir = NativeLibraries.verifiedDirectory(root, ME);
        Files.setPosixFilePermissions(dir.resolve("libonnxruntime.so"), PosixFilePermissions.fromString("rw-rw-rw-"));

        assertThatThrownBy(() -> NativeLibraries.directory(root, ME, false)).isInstanceOf(UntrustedNativeLibraryException.class)
                .hasMessageContaining("is writable by group or others");
    }

    /** What a child JVM that prepared the libraries with {@code how}, then had one swapped, printed when it loaded a model. */
    private String swapThenLoad(String how) throws Exception {
        // In a JVM of its own: prepare() points this process's ONNX Runtime at a directory once and for all.
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + root, "-cp", classpath, SwapThenLoad.class.getName(), root.resolve("natives").toString(),
                root.toString(), how);
        pb.redirectErrorStream(true).redirectOutput(root.resolve("child.log").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        String output = Files.readString(root.resolve("child.log"));
        assertThat(p.exitValue()).as(output).isZero();
        return output;
    }

    /** Prepares the libraries as the enclave does at start, swaps one as another process could, then loads a model. */
    public static final class SwapThenLoad {
        public static void main(String[] args) throws Exception {
            if (args[2].equals("prepareForWorkers")) {
                NativeLibraries.prepareForWorkers(Path.of(args[0]));
            } else {
                NativeLibraries.prepare(Path.of(args[0]));
            }
            Path jni = Path.of(System.getProperty("onnxruntime.native.path")).resolve("libonnxruntime4j_jni.so");
            byte[] evil = Files.readAllBytes(jni);
            evil[evil.length / 2] ^= 1;
            replace(jni, evil);
            byte[] model = TypedModels.twoInputs();
            try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1, Path.of(args[1]))) {
                System.out.println("loaded: the swapped library was not noticed");
            } catch (InferenceException e) {
                System.out.println("refused: " + e.code() + ": " + e.getMessage());
            }
        }
    }

    private static void replace(Path file, byte[] bytes) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.write(file, bytes);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    }
}
