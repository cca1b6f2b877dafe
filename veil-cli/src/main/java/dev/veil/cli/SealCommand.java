package dev.veil.cli;

import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.SealHeader;
import dev.veil.seal.Sealer;
import dev.veil.seal.io.AtomicOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "seal", mixinStandardHelpOptions = true,
        // two forms: --key-out belongs to the sealed file's; the batch launcher takes --format parquet with its own options
        customSynopsis = {"veil seal [-hV] [--force] --in=<in> --out=<out> --key-out=<keyOut> [--type=<type>]",
                "veil seal --format parquet ...   (its options: 'veil seal --format parquet --help')"},
        description = {"Encrypt a file (model, dataset) into a sealed file, with a new 256-bit key written 0600.",
                "Prints the sealed file's header as JSON."})
final class SealCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "file to seal")
    Path in;
    @Option(names = "--out", required = true, description = "sealed file to write (an existing file is kept unless --force)")
    Path out;
    @Option(names = "--key-out", description = "where to write the new key (created 0600; never overwritten); required for a sealed file")
    Path keyOut;
    @Option(names = "--type", defaultValue = "generic", description = "content type: model, dataset, results, generic (default ${DEFAULT-VALUE})")
    String type;
    @Option(names = "--format", defaultValue = "sealed", description = {"sealed (default): a Veil sealed file; parquet: Parquet",
            "with modular encryption for 'veil batch', keys wrapped by your broker (run by the batch launcher: see",
            "'veil seal --format parquet --help')"})
    String format;
    @Option(names = "--force", description = {"replace an existing --out (the key it was sealed under then opens nothing);",
            "an existing --key-out is never replaced"})
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (!"sealed".equals(format)) {
            // the veil script hands --format parquet to the batch launcher (veil-spark) before this CLI starts
            throw new CliFailure("--format " + format + ": this CLI writes sealed files; parquet is written by the batch launcher,"
                    + " which the veil script runs for 'veil seal --format parquet'");
        }
        if (keyOut == null) {
            throw new CliFailure("missing --key-out: where to write the new key (see 'veil seal --help')");
        }
        ContentType ct;
        try {
            ct = ContentType.fromLabel(type);
        } catch (IllegalArgumentException e) {
            throw new CliFailure("--type '" + type + "' is not one of model, dataset, results, generic");
        }
        UserPaths.input("--in", in);
        UserPaths.distinct("--in", in, "--out", out);
        UserPaths.distinct("--in", in, "--key-out", keyOut);
        UserPaths.distinct("--out", out, "--key-out", keyOut);
        if (Files.exists(keyOut)) {
            throw new CliFailure("refusing to overwrite key file " + keyOut + "; keys are never replaced silently");
        }
        UserPaths.output("--key-out", keyOut, false);
        UserPaths.output("--out", out, force);
        if (Files.size(in) >= UnsealCommand.WARM_UP_FROM) {
            dev.veil.seal.JitWarmup.run();
        }
        try (AssetKey key = AssetKey.generate(); ProgressBar bar = new ProgressBar("sealing", Files.size(in))) {
            // Key first: a sealed file without its key would be lost data.
            try (AtomicOutput k = AtomicOutput.openSecret(keyOut)) {
                k.stream().write(key.toKeyFileText().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                k.commit(false);
            }
            SealHeader h;
            try {
                h = new Sealer().sealFile(in, out, key, ct, bar, force);
            } catch (Exception e) {
                Files.deleteIfExists(keyOut);
                throw e;
            }
            System.out.println(HeaderJson.of(h));
        }
        return ExitCodes.OK;
    }
}
