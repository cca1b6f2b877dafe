package dev.veil.spark.cli;

import dev.veil.spark.job.BatchJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A batch that failed, told in one line, and its --out left as the run found it: only the model provider's discard
 * receipts stay (they prove its model was discarded), and with none there is no directory at all, so the same command
 * can run again. --out did not exist when the run began ({@link UserFiles#fresh}): whatever is in it is this run's.
 */
final class FailedBatch {
    /** The model provider's discard receipts in --out: {@code _veil-discard-receipt-N.json}. */
    static final String DISCARD_RECEIPT_PREFIX = "_veil-discard-receipt-";

    private FailedBatch() {
    }

    /** Tells the failure, removes what the run wrote but the discard receipts; the exit code (2: a broker refused). */
    static int report(PrintWriter err, BatchJob.Outcome outcome, Path out) throws IOException {
        int receipts = outcome.discardReceipts().size();
        removeAllBut(out, DISCARD_RECEIPT_PREFIX);
        String left = receipts == 0 ? "; no results were written and nothing was left in " + out
                : "; no results were written, and " + receipts + " discard receipt(s) for the model provider are in " + out
                        + " (move them out before running again with this --out)";
        String reason = outcome.brokerRefusal();
        if (reason != null) {
            err.println("veil: " + refusal(reason) + left);
            return 2;
        }
        // fixed text only: the failure's detail never left the executors (it may quote the data provider's values)
        err.println("veil: the batch failed on an executor: " + outcome.failure().id() + " (" + outcome.failure().description() + ")" + left);
        return 1;
    }

    /** The run failed before it had an outcome: nothing it wrote stays. */
    static void removeOutput(Path out) throws IOException {
        removeAllBut(out, null);
    }

    /** A broker's refusal of the executors' instance, by its fixed reason id, and what to do about it. */
    static String refusal(String reason) {
        return switch (reason) {
            case "instance_limit" -> "a provider's broker refused the executors' instance (instance_limit): the contract's max_instances"
                    + " are used up on that broker (each executor of each run is one instance); both providers sign a new contract"
                    + " with a larger max_instances ('veil contract draft --max-instances')";
            case "unreachable" -> "an executor could not reach a provider's broker (unreachable): every executor must reach"
                    + " --mp-broker and --dp-broker at the addresses given";
            case "revoked" -> "a provider's broker refused the executors' instance (revoked): its provider revoked releases"
                    + " ('veil broker revoke'); ask that provider";
            default -> "a provider's broker refused the executors' instance (" + reason + "): that broker's log says why";
        };
    }

    private static void removeAllBut(Path out, String keptPrefix) throws IOException {
        if (!Files.isDirectory(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> all;
        try (Stream<Path> s = Files.walk(out)) {   // does not follow links: a link is removed, never what it names
            all = s.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            boolean kept = keptPrefix != null && out.equals(p.getParent()) && p.getFileName().toString().startsWith(keptPrefix);
            boolean nonEmptyDir = Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !isEmpty(p);
            if (!kept && !nonEmptyDir) {
                Files.delete(p);
            }
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
