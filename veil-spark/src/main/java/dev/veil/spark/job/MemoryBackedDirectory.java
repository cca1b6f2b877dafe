package dev.veil.spark.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a batch instance on a hardware TEE may keep its secrets: a directory on a memory-backed file system (tmpfs,
 * ramfs), in the TEE's encrypted memory. The driver writes its TLS key store to its temporary directory, an executor its
 * own key store and the trust store of the attested driver's certificate, and native libraries are unpacked there
 * before they load; and that directory ({@code -Djava.io.tmpdir}) is the cluster manager's to name, as are Spark's local
 * directories, where blocks that do not fit in memory go (broadcast pieces: each task's code). On a disk or a file
 * system the host serves (virtio-fs, a host path, a network volume), the host reads the key, or swaps the trust store or
 * a library between Veil's check and Spark's read (Spark trusts every server when its trust store file is missing). The
 * mount is read from {@code /proc/self/mountinfo}, parsed strictly. A simulated TEE keeps nothing from the host, so
 * there this is not asked.
 */
final class MemoryBackedDirectory {
    private static final Path MOUNT_INFO = Path.of("/proc/self/mountinfo");

    private MemoryBackedDirectory() {
    }

    /** Why a directory is not, or cannot be shown to be, memory-backed. */
    static final class NotMemoryBacked extends Exception {
        private static final long serialVersionUID = 1L;

        NotMemoryBacked(String message) {
            super(message);
        }
    }

    /** Refuses, naming it, unless {@code dir} lies on a memory-backed file system of this process's mounts. */
    static void require(Path dir, String what) throws NotMemoryBacked {
        Path real;
        String mounts;
        try {
            real = dir.toRealPath();
            mounts = Files.readString(MOUNT_INFO, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new NotMemoryBacked(what + " " + dir + " cannot be checked: " + e.getMessage());
        }
        Optional<String> type = fileSystemType(real, mounts);
        if (type.isEmpty()) {
            throw new NotMemoryBacked(what + " " + dir + " is on no mount this process lists");
        }
        if (!type.get().equals("tmpfs") && !type.get().equals("ramfs")) {
            throw new NotMemoryBacked(what + " " + dir + " is on a " + type.get() + " file system, which the host may "
                    + "read: on a hardware TEE it must be memory-backed (tmpfs; on Kubernetes an emptyDir of medium Memory)");
        }
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

    /**
     * The type of the file system {@code path} (absolute, no symbolic links) lies on, by the mount with the longest
     * mount point above it in {@code mountInfo} (the kernel's {@code mountinfo} format; the last such line wins, as a
     * later mount hides an earlier one at the same point); empty when no line covers it. A malformed line is refused.
     */
    static Optional<String> fileSystemType(Path path, String mountInfo) throws NotMemoryBacked {
        String best = null;
        int bestLength = -1;
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
            if (f.length < 10 || separator < 0 || separator + 1 >= f.length) {
                throw new NotMemoryBacked("/proc/self/mountinfo has a line of an unknown form");
            }
            Path mountPoint = Path.of(unescape(f[4]));
            if (path.startsWith(mountPoint) && mountPoint.getNameCount() >= bestLength) {
                bestLength = mountPoint.getNameCount();
                best = f[separator + 1];
            }
        }
        return Optional.ofNullable(best);
    }

    /** A mount point as the kernel writes it: space, tab, newline and backslash as three octal digits. */
    private static String unescape(String field) throws NotMemoryBacked {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\') {
                if (i + 3 >= field.length()) {
                    throw new NotMemoryBacked("/proc/self/mountinfo has a mount point of an unknown form");
                }
                try {
                    out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                } catch (NumberFormatException e) {
                    throw new NotMemoryBacked("/proc/self/mountinfo has a mount point of an unknown form");
                }
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
