package dev.veil.cli;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = {"Create a provider identity: an Ed25519 signing key and an HPKE key-agreement key.",
                "Writes DIR/NAME.key (secret, 0600) and DIR/NAME.pub.json (share it), and prints the fingerprint."})
final class KeygenCommand implements Callable<Integer> {
    @Option(names = "--name", required = true, description = "a label for the identity, e.g. acme-model-provider")
    String name;
    @Option(names = "--dir", defaultValue = ".", description = "directory for the files (default: current)")
    Path dir;
    @Option(names = "--key-wrap", defaultValue = "MLKEM768-X25519",
            description = "key-agreement suite: MLKEM768-X25519 (post-quantum hybrid, default) or X25519")
    String suite;

    @Override
    public Integer call() throws Exception {
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new CliFailure("--name must be 1..64 letters, digits, '.', '_' or '-'");
        }
        KeyWrapSuite s;
        try {
            s = KeyWrapSuite.fromId(suite);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(e.getMessage());
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CliFailure("--dir " + dir + " is a file, not a directory");
        }
        Path secret = dir.resolve(name + ".key");
        Path pub = dir.resolve(name + ".pub.json");
        if (Files.exists(secret) || Files.exists(pub)) {
            throw new CliFailure("refusing to overwrite existing identity files for '" + name + "' in " + dir);
        }
        try (Identity id = Identity.generate(name, s)) {
            IdentityFiles.writeSecret(id, secret);
            try {
                IdentityFiles.writePublic(id.publicIdentity(), pub);
            } catch (java.io.IOException | RuntimeException e) {
                // A secret without its public half is a half-made identity: leave nothing.
                Files.deleteIfExists(secret);
                throw e;
            }
            System.out.println(JsonOut.line(JsonOut.fields("name", name, "fingerprint", id.publicIdentity().fingerprint(),
                    "key_wrap", s.id(), "secret_file", secret.toString(), "public_file", pub.toString())));
        }
        return ExitCodes.OK;
    }
}
