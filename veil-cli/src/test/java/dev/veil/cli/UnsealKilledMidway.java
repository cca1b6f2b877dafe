package dev.veil.cli;

import dev.veil.seal.AssetKey;
import dev.veil.seal.Unsealer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link CliTest}: does what {@code veil unseal} does and dies like a killed process (no finally
 * blocks, no shutdown hooks) once half the plaintext is written.
 */
public final class UnsealKilledMidway {
    private UnsealKilledMidway() {
    }

    public static void main(String[] args) throws Exception {
        try (AssetKey key = AssetKey.fromKeyFileText(Files.readString(Path.of(args[1])))) {
            Unsealer.unsealFile(Path.of(args[0]), key, Path.of(args[2]), (done, total) -> {
                if (done > total / 2) {
                    Runtime.getRuntime().halt(137);
                }
            }, Unsealer.DigestCheck.AUTHENTICATE_ONLY);
        }
    }

    static int run(Path sealed, Path keyFile, Path out) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), UnsealKilledMidway.class.getName(),
                sealed.toString(), keyFile.toString(), out.toString()).inheritIO().start().waitFor();
    }
}
