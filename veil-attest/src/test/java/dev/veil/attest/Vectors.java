package dev.veil.attest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Real evidence from testdata/vectors (read-only; see its SOURCES.md for provenance and expected values). */
public final class Vectors {
    private Vectors() {
    }

    public static Path dir() {
        return Path.of(System.getProperty("veil.testdata.dir"), "vectors");
    }

    public static byte[] read(String relative) {
        try {
            return Files.readAllBytes(dir().resolve(relative));
        } catch (IOException e) {
            throw new IllegalStateException("test vector missing: " + relative, e);
        }
    }
}
