package dev.veil.cli;

import dev.veil.seal.AssetKey;
import dev.veil.seal.SealHeader;
import dev.veil.seal.Unsealer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "unseal", mixinStandardHelpOptions = true,
        description = {"Decrypt a sealed file. The output appears only if every segment and the plaintext digest verify;",
                "a tampered, truncated or extended file, or a wrong key, leaves nothing behind (exit 2)."})
final class UnsealCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "sealed file")
    Path in;
    @Option(names = "--key", required = true, description = "key file written by 'veil seal'")
    Path keyFile;
    @Option(names = "--out", required = true, description = "plaintext file to write")
    Path out;

    @Override
    public Integer call() throws Exception {
        try (AssetKey key = AssetKey.fromKeyFileText(Files.readString(keyFile, StandardCharsets.US_ASCII));
             ProgressBar bar = new ProgressBar("unsealing", Files.size(in))) {
            SealHeader h = Unsealer.unsealFile(in, key, out, bar);
            System.out.println(HeaderJson.of(h));
        }
        return ExitCodes.OK;
    }
}
