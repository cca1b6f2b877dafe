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
    /** A confidential container's mounts: the image's overlay root, /tmp an emptyDir of medium Memory, a host share. */
    private static final String MOUNTS = """
            1422 1351 0:123 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
            1423 1422 0:124 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw,size=65536k
            1424 1422 0:125 / /data rw,relatime - virtiofs kataShared rw
            1425 1423 0:126 / /tmp/disk rw,relatime - ext4 /dev/vdb rw
            1426 1422 0:127 / /mnt/with\\040space rw,relatime - tmpfs tmpfs rw
            """;

    @Test
    void aTemporaryDirectoryOnAHostShareIsRefused() throws Exception {
        assertThat(MemoryBackedDirectory.fileSystemType(Path.of("/data/veil-tmp"), MOUNTS)).contains("virtiofs");
        assertThat(MemoryBackedDirectory.fileSystemType(Path.of("/var/tmp"), MOUNTS)).contains("overlay");
    }

    @Test
    void aDiskMountedBelowAMemoryBackedDirectoryIsSeen() throws Exception {
        assertThat(MemoryBackedDirectory.fileSystemType(Path.of("/tmp/disk/x"), MOUNTS)).contains("ext4");
        assertThat(MemoryBackedDirectory.fileSystemType(Path.of("/tmp/diskette"), MOUNTS)).contains("tmpfs");
    }

    @Test
    void aMemoryBackedDirectoryIsKnown() throws Exception {
        assertThat(MemoryBackedDirectory.fileSystemType(Path.of("/tmp"), MOUNTS)).contains("tmpfs");
        assertThat(MemoryBackedDirectory.fileSystemType(Path.of("/mnt/with space/x"), MOUNTS)).contains("tmpfs");
    }

    @Test
    void aLaterMountAtTheSamePointHidesTheEarlierOne() throws Exception {
        String remounted = MOUNTS + "1427 1422 0:128 / /tmp rw,relatime - 9p hostshare rw\n";
        assertThat(MemoryBackedDirectory.fileSystemType(Path.of("/tmp/x"), remounted)).contains("9p");
    }

    @Test
    void aMountTableOfAnUnknownFormIsRefused() {
        assertThatThrownBy(() -> MemoryBackedDirectory.fileSystemType(Path.of("/tmp"), "1 2 0:1 / /tmp rw tmpfs tmpfs rw\n"))
                .isInstanceOf(MemoryBackedDirectory.NotMemoryBacked.class);
        assertThatThrownBy(() -> MemoryBackedDirectory.fileSystemType(Path.of("/tmp"), "1 2 0:1 / /t\\04 rw - tmpfs tmpfs rw\n"))
                .isInstanceOf(MemoryBackedDirectory.NotMemoryBacked.class);
    }

    /**
     * The driver of a hardware contract, its temporary directory on this build host's disk: refused before it makes its
     * TLS key (and before it asks the TEE for evidence).
     */
    @Test
    void aHardwareDriverRefusesATemporaryDirectoryTheHostReads(@TempDir Path dir) throws Exception {
        String type = MemoryBackedDirectory.fileSystemType(dir.toRealPath(), Files.readString(Path.of("/proc/self/mountinfo"))).orElseThrow();
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
        String type = MemoryBackedDirectory.fileSystemType(dir.toRealPath(), Files.readString(Path.of("/proc/self/mountinfo"))).orElseThrow();
        assumeFalse(type.equals("tmpfs") || type.equals("ramfs"), "this host's temporary directories are memory-backed");
        try (SparkSession spark = SparkSession.builder().master("local[1]").appName("local dirs").config("spark.ui.enabled", "false")
                .config("spark.local.dir", dir.toString()).getOrCreate()) {
            assertThatThrownBy(() -> MemoryBackedDirectory.requireSparkLocalDirs(SparkEnv.get(), "the driver's"))
                    .isInstanceOf(MemoryBackedDirectory.NotMemoryBacked.class)
                    .hasMessageContaining("the driver's Spark local directory").hasMessageContaining("is on a " + type + " file system");
        }
    }

    /** This machine's own temporary directory, as the real check reads it: on this build host, a disk (refused) or tmpfs. */
    @Test
    void theCheckReadsThisProcesssMounts() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
        String type = MemoryBackedDirectory.fileSystemType(tmp, Files.readString(Path.of("/proc/self/mountinfo"))).orElseThrow();
        if (type.equals("tmpfs")) {
            MemoryBackedDirectory.require(tmp, "the temporary directory");
        } else {
            assertThatThrownBy(() -> MemoryBackedDirectory.require(tmp, "the temporary directory"))
                    .isInstanceOf(MemoryBackedDirectory.NotMemoryBacked.class).hasMessageContaining("is on a " + type + " file system");
        }
    }
}
