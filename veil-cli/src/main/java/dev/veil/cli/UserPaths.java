package dev.veil.cli;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Checks on paths the user gave, done before anything is written, so a mistake ends in one line naming the option
 * instead of an I/O exception halfway through.
 */
public final class UserPaths {
    private UserPaths() {
    }

    /** {@code path} must be an existing regular file (a directory or a missing path is refused by option name). */
    public static Path input(String option, Path path) throws CliFailure {
        if (Files.isDirectory(path)) {
            throw new CliFailure(option + " " + path + " is a directory; give a file");
        }
        if (!Files.exists(path)) {
            throw new CliFailure(option + " " + path + ": file not found; check the path");
        }
        if (!Files.isRegularFile(path)) {
            throw new CliFailure(option + " " + path + " is not a regular file");
        }
        if (!Files.isReadable(path)) {
            throw new CliFailure(option + " " + path + " is not readable by you; check its permissions");
        }
        return path;
    }

    /**
     * {@code path} may be written: it does not exist (or {@code force} allows replacing a file), it is not a directory,
     * and its parent, if it exists, is a directory.
     */
    public static Path output(String option, Path path, boolean force) throws CliFailure {
        if (Files.isDirectory(path)) {
            throw new CliFailure(option + " " + path + " is a directory; give a file name");
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !force) {
            throw new CliFailure(option + " " + path + " already exists; choose another path, or pass --force to replace it");
        }
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && Files.exists(parent) && !Files.isDirectory(parent)) {
            throw new CliFailure(option + " " + path + ": " + parent + " is a file, not a directory");
        }
        return path;
    }

    /** Refuses two options naming the same file (e.g. unsealing over the sealed input). */
    public static void distinct(String optionA, Path a, String optionB, Path b) throws CliFailure {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize()) || sameExistingFile(a, b)) {
            throw new CliFailure(optionA + " and " + optionB + " name the same file " + b + "; choose another path");
        }
    }

    private static boolean sameExistingFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
