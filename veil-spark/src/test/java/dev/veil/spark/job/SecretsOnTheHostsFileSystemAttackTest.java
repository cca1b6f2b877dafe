package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.veil.attest.Platform;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.ProtocolException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: the cluster manager names a hardware batch instance's temporary directory ({@code -Djava.io.tmpdir}) on a file
 * system the host serves or reads (the VM's disk, a virtio-fs share, a host path): the driver's TLS key store and an
 * executor's key and trust stores are written there, and native libraries unpacked there before they load, so the host
 * would read the key or swap the trust store (Spark trusts every server when the file is missing). On a hardware TEE the
 * directory must be memory-backed ({@link MemoryBackedDirectory}); these cases read mount tables in the kernel's format.
 */
class SecretsOnTheHostsFileSystemAttackTest {
    /**
     * A confidential container's mounts: the image's overlay root, /tmp an emptyDir of medium Memory, a host share, a
     * disk mounted below /tmp, and a second tmpfs.
     */
    private static final String MOUNTS = """
            1422 1351 0:123 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
            1423 1422 0:124 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw,size=65536k
            1424 1422 0:125 / /data rw,relatime shared:7 master:2 - virtiofs kataShared rw
            1425 1423 254:16 / /tmp/disk rw,relatime - ext4 /dev/vdb rw
            1426 1422 0:127 / /mnt/with\\040space rw,relatime - tmpfs tmpfs rw
            """;

    @Test
    void aDirectoryOnAHostShareOrADiskIsKnownByItsDevice() throws Exception {
        assertThat(MemoryBackedDirectory.fileSystemType("0:125", MOUNTS)).contains("virtiofs");
        assertThat(MemoryBackedDirectory.fileSystemType("254:16", MOUNTS)).contains("ext4");
        assertThat(MemoryBackedDirectory.fileSystemType("0:123", MOUNTS)).contains("overlay");
        assertThat(MemoryBackedDirectory.fileSystemType("0:124", MOUNTS)).contains("tmpfs");
        assertThat(MemoryBackedDirectory.fileSystemType("0:999", MOUNTS)).isEmpty();
    }

    /**
     * A mount over /tmp's parent hides /tmp's own line from a lookup by path (the longest mount point above a path need
     * not be its mount): the device number is what the directory is on.
     */
    @Test
    void aMountThatHidesAnotherDoesNotChangeWhatADirectoryIsOn() throws Exception {
        String hidden = MOUNTS + "1427 1351 0:128 / / rw,relatime - 9p hostshare rw\n";
        assertThat(MemoryBackedDirectory.fileSystemType("0:124", hidden)).contains("tmpfs");
        assertThat(MemoryBackedDirectory.fileSystemType("0:128", hidden)).contains("9p");
    }

    @Test
    void deviceNumbersAreReadAsTheKernelEncodesThem() {
        assertThat(MemoryBackedDirectory.device(0x0010L | (254L << 8))).isEqualTo("254:16");
        assertThat(MemoryBackedDirectory.device(0x19L)).isEqualTo("0:25");
        // a minor above 255 and a major above 4095 use the high bits (glibc's makedev)
        long major = 4101;
        long minor = 74565;
        long makedev = ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
        assertThat(MemoryBackedDirectory.device(makedev)).isEqualTo("4101:74565");
    }

    @Test
    void aMountTableOfAnUnknownFormOrADeviceOfTwoTypesIsRefused() {
        assertThatThrownBy(() -> MemoryBackedDirectory.fileSystemType("0:1", "1 2 0:1 / /tmp rw tmpfs tmpfs rw\n"))
                .isInstanceOf(MemoryBackedDirectory.NotMemoryBacked.class);
        assertThatThrownBy(() -> MemoryBackedDirectory.fileSystemType("0:1", "1 2 x / /tmp rw - tmpfs tmpfs rw\n"))
                .isInstanceOf(MemoryBackedDirectory.NotMemoryBacked.class);
        assertThatThrownBy(() -> MemoryBackedDirectory.fileSystemType("0:124", MOUNTS + "1430 1422 0:124 / /x rw - ext4 /dev/x rw\n"))
                .isInstanceOf(MemoryBackedDirectory.NotMemoryBacked.class).hasMessageContaining("both tmpfs and ext4");
    }

    /** A memory-backed directory mounted noexec: the native libraries unpacked there could not be loaded. */
    @Test
    void aNoexecMountIsSeen() throws Exception {
        String noexec = MOUNTS + "1428 1422 0:129 / /run/x rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw\n";
        assertThat(MemoryBackedDirectory.noexec("0:129", noexec)).isTrue();
        assertThat(MemoryBackedDirectory.noexec("0:124", noexec)).isFalse();
    }

    /** tmpfs pages swapped out go to the swap device: a disk the host reads, unless it is zram (compressed memory). */
    @Test
    void aSystemThatSwapsToADiskIsRefused() {
        String header = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
        assertThat(MemoryBackedDirectory.swapOutsideMemory(header)).isEmpty();
        assertThat(MemoryBackedDirectory.swapOutsideMemory(header + "/dev/zram0  partition\t4194300\t0\t100\n")).isEmpty();
        assertThat(MemoryBackedDirectory.swapOutsideMemory(header + "/dev/zram0  partition\t4194300\t0\t100\n"
                + "/swapfile  file\t1048572\t0\t-2\n")).contains("/swapfile");
    }

    /** The temporary directory named through a symbolic link, which the host could repoint after the check: refused. */
    @Test
    void aDirectoryReachedThroughASymbolicLinkIsRefused(@TempDir Path dir) throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        assertThatThrownBy(() -> MemoryBackedDirectory.require(link, "the temporary directory"))
                .isInstanceOf(MemoryBackedDirectory.NotMemoryBacked.class).hasMessageContaining("symbolic link");
    }

    /**
     * The driver of a hardware contract, its temporary directory on this build host's disk: refused before it makes its
     * TLS key (and before it asks the TEE for evidence).
     */
    @Test
    void aHardwareDriverRefusesATemporaryDirectoryTheHostReads(@TempDir Path dir) throws Exception {
        String type = typeOf(dir);
        assumeFalse(type.equals("tmpfs") || type.equals("ramfs"), "this host's temporary directories are memory-backed");
        SignedContract snp = new ExecutorContract(Platform.SEV_SNP, "ab".repeat(48)).signed;
        String own = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", dir.toString());
        try {
            assertThatThrownBy(() -> new DriverInstance(snp).close()).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("the driver's temporary directory").hasMessageContaining("is on a " + type + " file system");
        } finally {
            System.setProperty("java.io.tmpdir", own);
        }
    }

    /**
     * Spark's local directory (where the block manager puts what does not fit in memory: broadcast pieces, each task's
     * code among them) on this build host's disk: refused, as a hardware driver and executor check it once Spark made it.
     */
    @Test
    void aSparkLocalDirectoryTheHostReadsIsRefused(@TempDir Path dir) throws Exception {
        String type = typeOf(dir);
        assumeFalse(type.equals("tmpfs") || type.equals("ramfs"), "this host's temporary directories are memory-backed");
        try (SparkSession spark = SparkSession.builder().master("local[1]").appName("local dirs").config("spark.ui.enabled", "false")
                .config("spark.local.dir", dir.toString()).getOrCreate()) {
            assertThatThrownBy(() -> MemoryBackedDirectory.requireSparkLocalDirs(SparkEnv.get(), "the driver's"))
                    .isInstanceOf(MemoryBackedDirectory.NotMemoryBacked.class)
                    .hasMessageContaining("the driver's Spark local directory").hasMessageContaining("is on a " + type + " file system");
        }
    }

    /** This machine's own temporary directory, as the real check reads it: on a build host whose /tmp is a disk, refused. */
    @Test
    void theCheckReadsThisProcesssMounts() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
        String type = typeOf(tmp);
        assumeFalse(type.equals("tmpfs") || type.equals("ramfs"), "this host's temporary directory is memory-backed");
        assertThatThrownBy(() -> MemoryBackedDirectory.require(tmp, "the temporary directory"))
                .isInstanceOf(MemoryBackedDirectory.NotMemoryBacked.class).hasMessageContaining("is on a " + type + " file system");
    }

    /** The type of the file system {@code dir} is on, as the check reads it. */
    private static String typeOf(Path dir) throws Exception {
        return MemoryBackedDirectory.fileSystemType(MemoryBackedDirectory.device((Long) Files.getAttribute(dir.toRealPath(), "unix:dev")),
                Files.readString(Path.of("/proc/self/mountinfo"), java.nio.charset.StandardCharsets.ISO_8859_1)).orElseThrow();
    }
}
