package dev.veil.enclave.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installation's record of measured jars may spare re-reading a jar only when the file is provably the one that was
 * hashed. Each test changes a jar (or the record) the way an attacker who wants an old digest to stand would, and
 * expects the record not to answer for it. "Hashing began well after the jar settled" is stated by passing a start time
 * past {@link MeasuredJarRecord#SETTLE} (the tests cannot wait for the clock).
 */
class MeasuredJarRecordTest {
    private static final MeasuredJarRecord.Measured OLD = new MeasuredJarRecord.Measured(new byte[48], "lib/a.jar");

    @TempDir
    Path dir;

    private Path jar(String content) throws Exception {
        Path jar = dir.resolve("code.jar");
        Files.writeString(jar, content, StandardCharsets.US_ASCII);
        return jar;
    }

    private static Instant settled() {
        return Instant.now().plus(MeasuredJarRecord.SETTLE).plusSeconds(1);
    }

    private MeasuredJarRecord recorded(Path jar) throws Exception {
        Path cache = dir.resolve("cache");
        MeasuredJarRecord r = MeasuredJarRecord.open(cache);
        MeasuredJarRecord.Identity id = MeasuredJarRecord.Identity.of(jar);
        r.record(jar, id, id, settled(), OLD);
        r.save();
        return MeasuredJarRecord.open(cache);
    }

    @Test
    void anUnchangedJarIsAnsweredFromTheSavedRecord() throws Exception {
        Path jar = jar("original code");
        MeasuredJarRecord r = recorded(jar);
        MeasuredJarRecord.Measured m = r.lookup(jar, MeasuredJarRecord.Identity.of(jar));
        assertThat(m).isNotNull();
        assertThat(m.sha384()).isEqualTo(OLD.sha384());
        assertThat(m.manifestClassPath()).isEqualTo("lib/a.jar");
        assertThat(Files.getPosixFilePermissions(dir.resolve("cache"))).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getPosixFilePermissions(dir.resolve("cache").resolve("jars-v1"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aJarRewrittenInPlaceWithItsSizeAndModificationTimeRestoredIsReadAgain() throws Exception {
        Path jar = jar("original code");
        FileTime mtime = Files.getLastModifiedTime(jar);
        Thread.sleep(50);   // a later tick of the file system's clock, as any write after the hashing began is
        MeasuredJarRecord r = recorded(jar);
        Files.writeString(jar, "modified code", StandardCharsets.US_ASCII);   // same length, same inode
        Files.setLastModifiedTime(jar, mtime);
        assertThat(r.lookup(jar, MeasuredJarRecord.Identity.of(jar))).isNull();
    }

    @Test
    void aJarReplacedByAnotherFileWithTheSameSizeAndTimesIsReadAgain() throws Exception {
        Path jar = jar("original code");
        MeasuredJarRecord r = recorded(jar);
        Path other = dir.resolve("other.jar");
        Files.writeString(other, "modified code", StandardCharsets.US_ASCII);
        Files.setLastModifiedTime(other, Files.getLastModifiedTime(jar));
        Files.move(other, jar, StandardCopyOption.REPLACE_EXISTING);
        assertThat(r.lookup(jar, MeasuredJarRecord.Identity.of(jar))).isNull();
    }

    @Test
    void aJarChangedWhileItWasHashedIsNotRecorded() throws Exception {
        Path jar = jar("original code");
        MeasuredJarRecord.Identity before = MeasuredJarRecord.Identity.of(jar);
        Thread.sleep(50);
        Files.writeString(jar, "modified code", StandardCharsets.US_ASCII);
        MeasuredJarRecord r = MeasuredJarRecord.open(dir.resolve("cache"));
        r.record(jar, before, MeasuredJarRecord.Identity.of(jar), settled(), OLD);
        assertThat(r.lookup(jar, before)).isNull();
        assertThat(r.lookup(jar, MeasuredJarRecord.Identity.of(jar))).isNull();
    }

    @Test
    void aJarChangedJustBeforeItWasHashedIsNotRecorded() throws Exception {
        // a write in the same tick of the file system's clock as the hashing would leave the identity unchanged
        Path jar = jar("original code");
        MeasuredJarRecord r = MeasuredJarRecord.open(dir.resolve("cache"));
        MeasuredJarRecord.Identity id = MeasuredJarRecord.Identity.of(jar);
        r.record(jar, id, id, Instant.now(), OLD);
        assertThat(r.lookup(jar, id)).isNull();
    }

    @Test
    void aRecordOthersMayWriteIsIgnored() throws Exception {
        Path jar = jar("original code");
        recorded(jar);
        Path file = dir.resolve("cache").resolve("jars-v1");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(MeasuredJarRecord.open(dir.resolve("cache")).lookup(jar, MeasuredJarRecord.Identity.of(jar))).isNull();
    }

    @Test
    void aRecordInADirectoryOthersMayWriteIsIgnored() throws Exception {
        Path jar = jar("original code");
        recorded(jar);
        Files.setPosixFilePermissions(dir.resolve("cache"), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(MeasuredJarRecord.open(dir.resolve("cache")).lookup(jar, MeasuredJarRecord.Identity.of(jar))).isNull();
    }

    @Test
    void aRecordThatIsASymbolicLinkIsIgnored() throws Exception {
        Path jar = jar("original code");
        recorded(jar);
        Path real = dir.resolve("elsewhere");
        Files.move(dir.resolve("cache").resolve("jars-v1"), real);
        Files.createSymbolicLink(dir.resolve("cache").resolve("jars-v1"), real);
        assertThat(MeasuredJarRecord.open(dir.resolve("cache")).lookup(jar, MeasuredJarRecord.Identity.of(jar))).isNull();
    }

    @Test
    void aRecordWithAPathTwiceIsRefusedWhole() throws Exception {
        Path jar = jar("original code");
        recorded(jar);
        Path file = dir.resolve("cache").resolve("jars-v1");
        List<String> lines = Files.readAllLines(file);
        assertThatThrownBy(() -> MeasuredJarRecord.parse(List.of(lines.get(0), lines.get(1), lines.get(1))))
                .hasMessageContaining("twice");
        Files.write(file, List.of(lines.get(0), lines.get(1), lines.get(1)));
        assertThat(MeasuredJarRecord.open(dir.resolve("cache")).lookup(jar, MeasuredJarRecord.Identity.of(jar))).isNull();
    }

    @Test
    void aRecordWithAMalformedLineIsRefusedWhole() throws Exception {
        Path jar = jar("original code");
        recorded(jar);
        Path file = dir.resolve("cache").resolve("jars-v1");
        List<String> lines = Files.readAllLines(file);
        String shortDigest = lines.get(1).replaceFirst(" ([0-9a-f]{96}) ", " 00 ");
        assertThatThrownBy(() -> MeasuredJarRecord.parse(List.of(lines.get(0), shortDigest))).hasMessageContaining("SHA-384");
        assertThatThrownBy(() -> MeasuredJarRecord.parse(List.of("veil measured jars v2", lines.get(1))))
                .hasMessageContaining("not a record");
        Files.write(file, List.of(lines.get(0), lines.get(1), "garbage"));
        assertThat(MeasuredJarRecord.open(dir.resolve("cache")).lookup(jar, MeasuredJarRecord.Identity.of(jar))).isNull();
    }

    @Test
    void jarsThatNoLongerExistAreDroppedWhenTheRecordIsSaved() throws Exception {
        Path jar = jar("original code");
        recorded(jar);
        Path second = dir.resolve("second.jar");
        Files.writeString(second, "more code", StandardCharsets.US_ASCII);
        Files.delete(jar);
        MeasuredJarRecord r = MeasuredJarRecord.open(dir.resolve("cache"));
        MeasuredJarRecord.Identity id = MeasuredJarRecord.Identity.of(second);
        r.record(second, id, id, settled(), OLD);
        r.save();
        assertThat(Files.readAllLines(dir.resolve("cache").resolve("jars-v1"))).hasSize(2);
    }
}
