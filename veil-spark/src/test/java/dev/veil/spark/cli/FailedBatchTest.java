package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.broker.BrokerRefused;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.spark.job.BatchJob;
import dev.veil.spark.job.PartitionFailure;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed batch told in one line, on the driver, from what the executors may send it: no Spark job needed. */
class FailedBatchTest {
    @TempDir
    Path dir;

    @Test
    void usedUpMaxInstancesIsToldWithWhatToDo() throws Exception {
        // as the executor throws it, wrapped as Spark wraps a task's failure on the driver
        RuntimeException onDriver = new RuntimeException("Job aborted", PartitionFailure.refusedBy(
                new BrokerRefused(403, "instance_limit", "the contract allows 1 instance(s)")));
        assertThat(PartitionFailure.codeIn(onDriver)).isEqualTo(FailureCode.CONTRACT_REFUSED);
        assertThat(PartitionFailure.brokerReasonIn(onDriver)).isEqualTo("instance_limit");
        Path out = Files.createDirectories(dir.resolve("out"));
        StringWriter err = new StringWriter();
        int exit = FailedBatch.report(new PrintWriter(err, true), new BatchJob.Outcome(null, List.of(), 0,
                FailureCode.CONTRACT_REFUSED, PartitionFailure.brokerReasonIn(onDriver), false), out);
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("instance_limit").contains("max_instances").contains("--max-instances");
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(out).doesNotExist();
    }

    /** A broker's "reason" is a fixed id or nothing: a text outside the set (which might carry anything) never travels. */
    @Test
    void reasonOutsideTheBrokersFixedIdsIsDropped() {
        RuntimeException onDriver = new RuntimeException(PartitionFailure.refusedBy(new BrokerRefused(403, "row 7 was 0.25", "x")));
        assertThat(PartitionFailure.codeIn(onDriver)).isEqualTo(FailureCode.CONTRACT_REFUSED);
        assertThat(PartitionFailure.brokerReasonIn(onDriver)).isNull();
        assertThat(PartitionFailure.brokerReasonIn(new PartitionFailure(FailureCode.INTERNAL_ERROR))).isNull();
    }

    @Test
    void failedRunKeepsOnlyTheDiscardReceipts() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.createDirectories(out.resolve("_temporary/0"));
        Files.writeString(out.resolve("_temporary/0/part-0.parquet"), "x");
        Files.writeString(out.resolve(FailedBatch.DISCARD_RECEIPT_PREFIX + "0.json"), "{}");
        Path elsewhere = Files.writeString(dir.resolve("keep.txt"), "not this run's");
        Files.createSymbolicLink(out.resolve("link"), elsewhere);
        StringWriter err = new StringWriter();
        int exit = FailedBatch.report(new PrintWriter(err, true), new BatchJob.Outcome(null, List.of(), 0, FailureCode.TIMEOUT, null, false),
                out);
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("failed on an executor: timeout");
        try (var s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly(FailedBatch.DISCARD_RECEIPT_PREFIX + "0.json");
        }
        assertThat(elsewhere).hasContent("not this run's");
    }
}
