package dev.veil.seal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.ProgressListener;
import dev.veil.seal.Sealer;
import dev.veil.seal.Unsealer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicOutputTest {
    @TempDir
    Path dir;

    /** A killed unseal leaves verified-so-far plaintext on disk; the next write of that target must remove it. */
    @Test
    void plaintextLeftByAKilledUnsealIsRemovedByTheNextRun() throws Exception {
        byte[] data = new byte[4 * Sealer.DEFAULT_SEGMENT_SIZE];
        new Random(3).nextBytes(data);
        Path plain = Files.write(dir.resolve("plain"), data);
        Path sealed = dir.resolve("m.veil");
        Path keyFile = dir.resolve("m.key");
        try (AssetKey key = AssetKey.generate()) {
            new Sealer().sealFile(plain, sealed, key, ContentType.MODEL, ProgressListener.NONE);
            Files.writeString(keyFile, key.toKeyFileText());
        }
        Path out = dir.resolve("out");

        assertThat(UnsealKilledMidway.run(sealed, keyFile, out)).isEqualTo(137);
        List<Path> partial = partials("out");
        assertThat(partial).as("the killed run's partial file").hasSize(1);
        byte[] leaked = Files.readAllBytes(partial.get(0));
        assertThat(leaked.length).isPositive();
        assertThat(Arrays.copyOf(data, leaked.length)).as("it holds authentic plaintext").isEqualTo(leaked);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(partial.get(0)))).isEqualTo("rw-------");

        try (AssetKey key = AssetKey.fromKeyFileText(Files.readString(keyFile))) {
            Unsealer.unsealFile(sealed, key, out, ProgressListener.NONE);
        }
        assertThat(partials("out")).isEmpty();
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
    }

    @Test
    void aLiveWritersPartialFileIsLeftAlone() throws Exception {
        try (AtomicOutput first = AtomicOutput.open(dir.resolve("t"))) {
            first.stream().write(new byte[] {1});
            AtomicOutput.write(dir.resolve("t"), new byte[] {2}, false);
            assertThat(partials("t")).hasSize(1);
            first.commit();
        }
        assertThat(Files.readAllBytes(dir.resolve("t"))).containsExactly(1);
        assertThat(partials("t")).isEmpty();
    }

    @Test
    void partialFilesOfOtherTargetsAreNotTouched() throws Exception {
        Path other = Files.write(dir.resolve(".u.veil-partial-1.tmp"), new byte[] {9});
        AtomicOutput.write(dir.resolve("t"), new byte[] {2}, false);
        assertThat(other).exists();
    }

    @Test
    void everyOutputIsOwnerOnlyFromTheStart() throws Exception {
        for (boolean secret : new boolean[] {true, false}) {
            Path target = dir.resolve("f" + secret);
            try (AtomicOutput o = secret ? AtomicOutput.openSecret(target) : AtomicOutput.open(target)) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(partials(target.getFileName().toString()).get(0))))
                        .isEqualTo("rw-------");
                o.commit();
            }
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
        }
    }

    @Test
    void commitWithoutOverwriteKeepsTheExistingFileAndLeavesNoPartial() throws Exception {
        Path t = Files.writeString(dir.resolve("t"), "precious");
        assertThatThrownBy(() -> AtomicOutput.write(t, new byte[] {1}, false, false)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(t)).isEqualTo("precious");
        assertThat(partials("t")).isEmpty();
    }

    private List<Path> partials(String target) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("." + target + ".")).toList();
        }
    }
}
