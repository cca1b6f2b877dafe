package dev.veil.protocol.fuzz;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.translog.LeafCommitments;
import dev.veil.protocol.translog.LogInclusion;
import dev.veil.protocol.translog.LogVerifier;
import dev.veil.protocol.translog.SignedTreeHead;
import dev.veil.protocol.translog.TransparencyLog;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the transparency-log target's seeds, run by `./fuzz --seeds`: a genuine log of 21 requests signed by {@link
 * LogFixture}'s instance, at a fixed clock and with commitments derived from the request number, so the seeds are the
 * same on every run. Each seed is checked with the public verifier before it is written. Argument: the seed directory.
 */
final class TransparencyLogSeeds {
    private TransparencyLogSeeds() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        TransparencyLog log = new TransparencyLog(LogFixture.CONTRACT_HASH, LogFixture.instanceKey(),
                Clock.fixed(Instant.parse("2026-12-01T12:00:00Z"), ZoneOffset.UTC));
        List<LogInclusion> receipts = new ArrayList<>();
        List<SignedTreeHead> heads = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            receipts.add(log.append(commitments(i)));
            heads.add(log.head());
        }
        write(dir, "inclusion-first-of-1", new LogDocuments(receipts.get(0), null, null));
        write(dir, "inclusion-8-of-9", new LogDocuments(receipts.get(8), null, null));
        write(dir, "inclusion-5-of-21", new LogDocuments(new LogInclusion(receipts.get(5).leaf(), log.inclusion(5, 21), heads.get(20)), null, null));
        write(dir, "head-only", new LogDocuments(null, heads.get(12), null));
        for (int[] sizes : new int[][] {{8, 21}, {13, 21}, {1, 6}, {6, 7}, {21, 21}}) {
            int from = sizes[0];
            int to = sizes[1];
            write(dir, "audit-" + from + "-to-" + to, new LogDocuments(new LogInclusion(receipts.get(to - 1).leaf(),
                    log.inclusion(to - 1, to), heads.get(to - 1)), heads.get(from - 1), log.consistency(from, to)));
        }
    }

    private static LeafCommitments commitments(int i) {
        byte[] n = ByteBuffer.allocate(4).putInt(i).array();
        return new LeafCommitments(Digests.labelled256("seed request", n), Digests.labelled256("seed response", n),
                Digests.labelled256("seed requester", n));
    }

    private static void write(Path dir, String name, LogDocuments d) throws Exception {
        byte[] json = Json.canonical(d);
        LogDocuments parsed = Json.parse(json, LogDocuments.class, "seed");
        if (parsed.inclusion() != null) {
            LogVerifier.verifyInclusion(parsed.inclusion(), LogFixture.INSTANCE_KEYS, LogFixture.CONTRACT_HASH);
            if (parsed.older() != null) {
                LogVerifier.verifyConsistency(parsed.older(), parsed.inclusion().head(), parsed.consistency(),
                        LogFixture.INSTANCE_KEYS, LogFixture.CONTRACT_HASH);
            }
        } else {
            LogVerifier.verifyHead(parsed.older(), LogFixture.INSTANCE_KEYS, LogFixture.CONTRACT_HASH);
        }
        Files.write(dir.resolve(name + ".json"), json);
    }
}
