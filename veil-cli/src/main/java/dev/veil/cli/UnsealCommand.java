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
        description = {"Decrypt a sealed file, writing the output only if every segment authenticates.",
                "A tampered, truncated or extended file, or a wrong key, leaves nothing behind (exit 2). The plaintext",
                "SHA-256 named in the header is checked only with --verify-digest (the AEAD already authenticates every",
                "byte under your key; the digest check confirms the sealer's claim about the content, at about half the",
                "speed). The JSON printed says \"digest_verified\": true or false."})
final class UnsealCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "sealed file")
    Path in;
    @Option(names = "--key", required = true, description = "key file written by 'veil seal'")
    Path keyFile;
    @Option(names = "--out", required = true, description = "plaintext file to write (created 0600; an existing file is kept unless --force)")
    Path out;
    @Option(names = "--force", description = "replace an existing --out")
    boolean force;
    @Option(names = "--verify-digest", description = "also recompute the plaintext SHA-256 and compare it with the header's "
            + "(a mismatch leaves nothing behind, exit 2); off by default")
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
