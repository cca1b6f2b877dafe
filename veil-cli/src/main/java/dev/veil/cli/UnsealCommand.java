package dev.veil.cli;

import dev.veil.seal.AssetKey;
import dev.veil.seal.SealHeader;
import dev.veil.seal.Unsealer;
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
    @Option(names = "--out", required = true, description = "plaintext file to write (created 0600; an existing file is kept unless --force)")
    Path out;
    @Option(names = "--force", description = "replace an existing --out")
    boolean force;
    @Option(names = "--verify-digest", description = {"also recompute the plaintext SHA-256 and compare it with the header",
            "(the AEAD already authenticates every byte; this checks the sealer's digest claim, at about half the speed)"})
    boolean verifyDigest;

    /** Above this size, 0.2 s of AES-GCM warm-up pays for itself (docs/BENCHMARKS.md). */
    static final long WARM_UP_FROM = 32L << 20;

    @Override
    public Integer call() throws Exception {
        UserPaths.input("--in", in);
        UserPaths.distinct("--in", in, "--out", out);
        UserPaths.distinct("--key", keyFile, "--out", out);
        UserPaths.output("--out", out, force);
        if (Files.size(in) >= WARM_UP_FROM) {
            dev.veil.seal.JitWarmup.run();
        }
        try (AssetKey key = AssetKeyFile.read("--key", keyFile);
             ProgressBar bar = new ProgressBar("unsealing", Files.size(in))) {
            SealHeader h = Unsealer.unsealFile(in, key, out, bar,
                    verifyDigest ? Unsealer.DigestCheck.RECOMPUTE : Unsealer.DigestCheck.AUTHENTICATE_ONLY, force);
            var fields = HeaderJson.fields(h);
            fields.put("digest_verified", verifyDigest);
            System.out.println(JsonOut.line(fields));
        }
        return ExitCodes.OK;
    }
}
