package dev.veil.seal.io;

import dev.veil.seal.AssetKey;
import dev.veil.seal.Unsealer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM by the tests: unseals {@code args[0]} with key file {@code args[1]} into {@code args[2]} and
 * dies like a killed process (no finally blocks, no shutdown hooks) once half the plaintext is written.
 */
public final class UnsealKilledMidway {
    private UnsealKilledMidway() {
    }

    public static void main(String[] args) throws Exception {
        try (AssetKey key = AssetKey.fromKeyFileText(Files.readString(Path.of(args[1])))) {
            Unsealer.unsealFile(Path.of(args[0]), key, Path.of(args[2]), (done, total) -> {
                if (done > total / 2) {
                    System.out.flush();
                    Runtime.getRuntime().halt(137);
                }
            }, Unsealer.DigestCheck.AUTHENTICATE_ONLY);
        }
        System.exit(0);
    }

    /** Runs the child and returns its exit code (137 when it was "killed" as intended). */
    public static int run(Path sealed, Path keyFile, Path out) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), UnsealKilledMidway.class.getName(),
                sealed.toString(), keyFile.toString(), out.toString()).inheritIO().start();
        return p.waitFor();
    }
}
