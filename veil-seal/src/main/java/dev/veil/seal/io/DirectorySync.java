package dev.veil.seal.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes a rename durable. Moving a synced temporary file into place changes the directory, not the file: until the
 * directory itself is synced, a crash can leave the old name (or no name) behind even though the rename returned. So
 * every write-then-rename that must survive a crash (outputs, identity files, replay records, a broker's state) syncs
 * the file, renames, then calls {@link #sync} on the parent directory.
 */
public final class DirectorySync {
    private DirectorySync() {
    }

    /**
     * fsync(2) on {@code dir}. Linux and the BSDs allow a directory to be opened read-only and synced; a file system
     * that refuses (some network and FUSE file systems) throws, and the caller's write is then not known to be durable.
     */
    public static void sync(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
