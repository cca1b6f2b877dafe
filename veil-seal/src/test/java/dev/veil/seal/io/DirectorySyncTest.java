package dev.veil.seal.io;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorySyncTest {
    @TempDir
    Path dir;

    @Test
    void aDirectoryOnThisFileSystemCanBeSynced() {
        assertThatCode(() -> DirectorySync.sync(dir)).doesNotThrowAnyException();
    }

    /** A sync that could not happen must say so: the caller's write would otherwise be reported durable when it is not. */
    @Test
    void aDirectoryThatCannotBeOpenedIsAnErrorNotASilentSkip() {
        assertThatThrownBy(() -> DirectorySync.sync(dir.resolve("gone"))).isInstanceOf(NoSuchFileException.class);
    }
}
