package dev.veil.spark.cli;

import static dev.veil.spark.cli.OnnxNodes.dim;
import static dev.veil.spark.cli.OnnxNodes.floats;
import static dev.veil.spark.cli.OnnxNodes.int64;
import static dev.veil.spark.cli.OnnxNodes.model;
import static dev.veil.spark.cli.OnnxNodes.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.Protobuf;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Json;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: a hostile model provider signals a bit of the data provider's data through the discard receipts it is handed,
 * by making an executor die. A batch task is retried when its executor is lost (so that a cluster's lost executor does
 * not fail the batch), and an executor that dies holding an instance gives no discard receipt. The model decides how
 * large its outputs are, and the executor holds a partition's results in memory: a model that answers some values of
 * the data provider's cells with outputs of megabytes a row fills the executor's heap, and Spark ends an executor on an
 * {@code OutOfMemoryError} in any thread but the task's (where Veil turns it into {@code internal_error}, which cancels
 * the job: in the run made without the fix the error struck the task thread, the job failed with
 * {@code internal_error} and both discard receipts were handed over; where it strikes is the heap's to decide). Fix: a
 * partition's results may take an eighth of the executor's heap; past it the partition fails with
 * {@code limit_exceeded} before the heap runs out, the job is cancelled, and every instance gives its discard receipt.
 */
class ModelFloodingTheExecutorsMemoryAttackTest {
    /** The data provider's cell that the model answers with one value. */
    private static final float ANSWERED = 1f;
    /** A cell the model answers with 2^21 float32 values: 8 MiB a row, 512 MiB for the partition's 64 rows. */
    private static final float FLOODED = 1 << 21;
    private static final int ROWS = 64;
    /** Two executors of 512 MiB each: the flooded partition's results would take the whole heap of one. */
    private static final String TWO_EXECUTORS = "local-cluster[2,1,512]";

    @TempDir
    Path dir;

    @Test
    void aModelWhoseOutputsFillTheExecutorsHeapFailsTheJobWithEveryDiscardReceipt() throws Exception {
        write("answered.npz", ANSWERED);
        write("flooded.npz", FLOODED);
        LocalClusterOperator operator = new LocalClusterOperator(dir);
        operator.spark.put("spark.executor.memory", "512m");
        try (Parties p = new Parties(dir, expandToTheCellsValue())) {
            String contract = ContractVerifier.verify(Json.parse(Files.readAllBytes(dir.resolve("contract.json")), SignedContract.class,
                    "contract"), Instant.now()).hashHex();
            LocalClusterOperator.seal(p, "answered.npz", "data-answered");
            LocalClusterOperator.seal(p, "flooded.npz", "data-flooded");

            long before = p.mpBroker.releaseCount(contract);
            Parties.Run answered = operator.batch(p, TWO_EXECUTORS, "data-answered", "out-answered");
            assertThat(answered.exit()).as("the model answers the cell 1: %s", answered.err()).isZero();
            long releasesWhenAnswered = p.mpBroker.releaseCount(contract) - before;

            before = p.mpBroker.releaseCount(contract);
            Parties.Run flooded = operator.batch(p, TWO_EXECUTORS, "data-flooded", "out-flooded");
            assertThat(flooded.exit()).as("the model floods the executor: %s", flooded.err()).isNotZero();
            assertThat(flooded.err()).as("the partition's results passed what the executor holds").contains("limit_exceeded");
            long releasesWhenFlooded = p.mpBroker.releaseCount(contract) - before;

            assertThat(releasesWhenFlooded).isEqualTo(releasesWhenAnswered).isPositive();
            assertThat(LocalClusterOperator.discardReceipts(dir.resolve("out-flooded")))
                    .as("discard receipts the model provider is handed for a job its model flooded, against its releases")
                    .isEqualTo(releasesWhenFlooded)
                    .isEqualTo(LocalClusterOperator.discardReceipts(dir.resolve("out-answered")));
        }
    }

    private void write(String name, float cell) throws Exception {
        float[] cells = new float[ROWS];
        Arrays.fill(cells, cell);
        Files.write(dir.resolve(name), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {ROWS, 1}, cells))));
    }

    /**
     * x: float32 [N, 1]; y = Expand(x, Concat([1], Reshape(Cast(x, int64), [-1]))): for one row of value v, y is v
     * copies of it, float32 [1, v].
     */
    private static byte[] expandToTheCellsValue() {
        Protobuf cast = node("Cast", "c", "x").message(5, new Protobuf().string(1, "to").varint(3, 7).varint(20, 2));
        Protobuf concat = node("Concat", "s", "one", "f").message(5, new Protobuf().string(1, "axis").varint(3, 0).varint(20, 2));
        return model(new Protobuf()
                .message(1, cast)
                .message(1, node("Reshape", "f", "c", "minus_one"))
                .message(1, concat)
                .message(1, node("Expand", "y", "x", "s"))
                .string(2, "expand-to-the-cell")
                .message(5, int64("minus_one", -1))
                .message(5, int64("one", 1))
                .message(11, floats("x", dim(1)))
                .message(12, floats("y", dim("M"))));
    }
}
