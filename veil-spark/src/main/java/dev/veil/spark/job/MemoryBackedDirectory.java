package dev.veil.spark.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where a batch instance on a hardware TEE may keep its secrets and the code it loads: a directory on a memory-backed
 * file system (tmpfs, ramfs), in the TEE's encrypted memory, on a system that swaps to no disk. The driver writes its
 * TLS key store to its temporary directory, an executor its own key store and the trust store of the attested driver's
 * certificate, and native libraries are unpacked there before they load; that directory ({@code -Djava.io.tmpdir}) is
 * the cluster manager's to name, as are Spark's local directories, where blocks that do not fit in memory go (broadcast
 * pieces: each task's code). On a disk or a file system the host serves (virtio-fs, a host path, a network volume), the
 * host reads the key, or swaps the trust store or a library between Veil's check and its use (Spark trusts every server
 * when its trust store file is missing). A simulated TEE keeps nothing from the host, so there this is not asked.
 *
 * <p>The directory's file system is found by its device number ({@code stat}), matched to the mounts of
 * {@code /proc/self/mountinfo}: never by path, which a mount over a parent, or a symbolic link the host can repoint, would
 * make lie; and the directory must be named by its real path, since the JVM keeps the name it was given.
 */
final class MemoryBackedDirectory {
    private static final Path MOUNT_INFO = Path.of("/proc/self/mountinfo");
    private static final Path SWAPS = Path.of("/proc/swaps");

    private MemoryBackedDirectory() {
    }

    /** Why a directory is not, or cannot be shown to be, memory-backed. */
    static final class NotMemoryBacked extends Exception {
        private static final long serialVersionUID = 1L;

        NotMemoryBacked(String message) {
            super(message);
        }
    }

    /** Refuses, naming it as {@code what}, unless {@code dir} lies on a memory-backed file system, named by its real path. */
    static void require(Path dir, String what) throws NotMemoryBacked {
        Path real;
        long device;
        String mounts;
        String swaps;
        try {
            real = dir.toRealPath();
            device = (Long) Files.getAttribute(real, "unix:dev");
            // mount points are bytes; as ISO-8859-1 every line reads, and only the device and type fields are used
            mounts = new String(Files.readAllBytes(MOUNT_INFO), StandardCharsets.ISO_8859_1);
            // a kernel built without swap has no /proc/swaps
            swaps = Files.exists(SWAPS) ? new String(Files.readAllBytes(SWAPS), StandardCharsets.ISO_8859_1) : "";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new NotMemoryBacked(what + " " + dir + " cannot be checked: " + e.getMessage());
        }
        if (!real.equals(dir.toAbsolutePath().normalize())) {
            throw new NotMemoryBacked(what + " " + dir + " is reached through a symbolic link (to " + real
                    + "), which can be repointed after this check: name the directory itself");
        }
        String majorMinor = device(device);
        Optional<String> type = fileSystemType(majorMinor, mounts);
        if (type.isEmpty()) {
            throw new NotMemoryBacked(what + " " + dir + " is on no mount this process lists");
        }
        if (!type.get().equals("tmpfs") && !type.get().equals("ramfs")) {
            throw new NotMemoryBacked(what + " " + dir + " is on a " + type.get() + " file system, which the host may "
                    + "read: on a hardware TEE it must be memory-backed (tmpfs; on Kubernetes an emptyDir of medium Memory)");
        }
        if (noexec(majorMinor, mounts)) {
            throw new NotMemoryBacked(what + " " + dir + " is mounted noexec: the native libraries unpacked there could not be "
                    + "loaded (mount it without noexec)");
        }
        Optional<String> swap = swapOutsideMemory(swaps);
        if (swap.isPresent()) {
            throw new NotMemoryBacked(what + " " + dir + " is memory-backed, but this system swaps to " + swap.get()
                    + ", where the host may read memory-backed files: on a hardware TEE swap must be off (or zram)");
        }
    }

    /**
     * Refuses unless this JVM's temporary directory ({@code java.io.tmpdir}) is memory-backed, as {@link #require} says;
     * then has the native libraries this process loads unpacked there, by absolute path (ONNX Runtime's, else under
     * {@code XDG_CACHE_HOME} or the home directory, which the cluster manager names or an image keeps read-only; JNA's,
     * else under {@code XDG_CACHE_HOME}): each is written, and ONNX Runtime's hashed, there, then loaded by this JVM or
     * its inference workers.
     */
    static void requireTemporaryDirectory(String what) throws NotMemoryBacked {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        require(tmp, what);
        System.setProperty(dev.veil.enclave.inference.NativeLibraries.ROOT_PROPERTY, tmp.resolve("veil-native").toString());
        System.setProperty("jna.tmpdir", tmp.resolve("veil-jna").toString());
    }

    /**
     * Refuses unless every local directory of {@code env}'s block manager (where Spark keeps blocks that do not fit in
     * memory: broadcast pieces, among them each task's code) lies on a memory-backed file system; {@code who} names the
     * process ("the executor's").
     */
    static void requireSparkLocalDirs(org.apache.spark.SparkEnv env, String who) throws NotMemoryBacked {
        for (java.io.File dir : env.blockManager().diskBlockManager().localDirs()) {
            require(dir.toPath(), who + " Spark local directory");
        }
    }

    /** A device number as {@code stat} gives it (glibc's encoding, {@code gnu_dev_major/minor}), as mountinfo writes it: {@code major:minor}. */
    static String device(long dev) {
        long major = ((dev >>> 8) & 0xfffL) | ((dev >>> 32) & 0xfffff000L);
        long minor = (dev & 0xffL) | ((dev >>> 12) & 0xffffff00L);
        return major + ":" + minor;
    }

    /**
     * The type of the file system mounted from device {@code majorMinor} in {@code mountInfo} (the kernel's mountinfo
     * format); empty when no mount is of that device. A malformed line, or one device under two types, is refused.
     */
    static Optional<String> fileSystemType(String majorMinor, String mountInfo) throws NotMemoryBacked {
        String found = null;
        for (String[] f : mounts(mountInfo)) {
            if (f[2].equals(majorMinor)) {
                String type = f[f.length - 3];
                if (found != null && !found.equals(type)) {
                    throw new NotMemoryBacked("/proc/self/mountinfo lists device " + majorMinor + " as both " + found + " and " + type);
                }
                found = type;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Whether any mount of device {@code majorMinor} in {@code mountInfo} is {@code noexec}: native libraries unpacked
     * there could not be loaded (a bind mount of the same device elsewhere counts too: refused rather than guessed).
     */
    static boolean noexec(String majorMinor, String mountInfo) throws NotMemoryBacked {
        for (String[] f : mounts(mountInfo)) {
            if (f[2].equals(majorMinor) && Arrays.asList(f[5].split(",")).contains("noexec")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The lines of {@code mountInfo}, each cut to its fields up to the separator and the three after it (type, source,
     * super options); a line of another form is refused.
     */
    private static List<String[]> mounts(String mountInfo) throws NotMemoryBacked {
        List<String[]> mounts = new ArrayList<>();
        for (String line : mountInfo.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(" ");
            int separator = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    separator = i;
                    break;
                }
            }
            if (separator < 0 || separator + 3 >= f.length || !f[2].matches("\\d+:\\d+")) {
                throw new NotMemoryBacked("/proc/self/mountinfo has a line of an unknown form");
            }
            mounts.add(Arrays.copyOf(f, separator + 4));
        }
        return mounts;
    }

    /** The first swap area of {@code procSwaps} (the kernel's {@code /proc/swaps}) that is not zram, compressed memory. */
    static Optional<String> swapOutsideMemory(String procSwaps) {
        String[] lines = procSwaps.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String area = lines[i].trim().split("\\s+")[0];
            if (!area.isEmpty() && !area.matches("/dev/zram\\d+")) {
                return Optional.of(area);
            }
        }
        return Optional.empty();
    }
}
