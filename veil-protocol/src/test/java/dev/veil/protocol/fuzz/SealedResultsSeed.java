package dev.veil.protocol.fuzz;

import dev.veil.protocol.results.SealedResults;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the sealedResults target's seed, run by `./fuzz --seeds`: genuine sealed results (today's VEILRES3 layout)
 * of the demo session's labels, sealed to its data provider under its contract, so that the seed opens completely.
 * Arguments: the labels file, its row count, the output file.
 */
final class SealedResultsSeed {
    private SealedResultsSeed() {
    }

    public static void main(String[] args) throws Exception {
        byte[] labels = Files.readAllBytes(Path.of(args[0]));
        SealedResults.Sealed sealed = SealedResults.seal(labels, Long.parseLong(args[1]), labels.length + 64,
                DemoSession.DATA_PROVIDER.publicIdentity(), DemoSession.VERIFIED_CONTRACT.hash());
        Files.write(Path.of(args[2]), sealed.bytes());
    }
}
