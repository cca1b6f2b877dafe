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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: a hostile model provider signals a bit of the data provider's data to itself through the number of enclave
 * instances its own broker releases to, and the number of discard receipts it is handed, per batch job.
 *
 * <p>The model fails in ONNX Runtime for some values of a data provider's cell and answers for others. In a batch
 * session the model provider then learns nothing: its discard receipt says "discarded" and lists the same items
 * whatever happened (docs/THREAT-MODEL.md, "signal a data bit to the MP through the session's outcome"), and
 * docs/SCALE-OUT.md promises the same on Spark ("so the model provider does not learn from their absence that the
 * model failed on the data"). But on a Spark cluster a failed task is retried (Spark's default
 * {@code spark.task.maxFailures} is 4), and a retry that lands on an executor which has not yet run a task of the job
 * makes that executor attest as a new instance: one more release in the model provider's broker record, one more
 * discard receipt. Over a one-partition dataset on two executors the model provider sees one release and one receipt
 * when its model answered, two of each when it failed on the data. Where the retries land is Spark's choice: it offers
 * the executor that reported the failure back at once and every executor on its next round of offers, so in the runs
 * made here the first five or so attempts failed on the first executor and a later one went to the second. The test
 * raises {@code spark.task.maxFailures} to 16 (the cluster's operator sets it; it is not colluding here) so that a
 * retry reaches the second executor in practice; with the default of 4 the bit gets through less often, but any
 * retried failure that reaches another executor leaks it. The model provider reads only its broker's record
 * ({@code veil broker log}) and the receipts it is handed: no host, no timing. Speculative execution (a copy of a
 * slow task, whose slowness the model decides) would make the same count out of a timing channel.
 *
 * <p>Why it matters: the promise that a model's failure on the data is not the model provider's to learn is broken
 * through the scale-out path, one bit per job, with no help from the host.
 *
 * <p>Fix (suggested): make the set of instances of a job independent of what the model does with the data. For
 * example, the driver attests every executor it will use in a first stage that reads no data (so every release
 * precedes the first row), and tasks of the inference stage never attest: an executor holding no instance of the job
 * fails its task with a fixed code instead of attesting; and a partition failure carrying a model's code
 * ({@code inference_failed}, {@code timeout}, {@code limit_exceeded}) is not retried (the same model on the same rows
 * fails the same way anywhere), e.g. by failing the job from the driver on the first such failure.
 */
class RetriedModelFailureInstanceCountAttackTest {
    /** The data provider's cell that the model answers (the Reshape it asks for is the cell's own shape). */
    private static final float ANSWERED = 1f;
    /** A cell the model fails on (the Reshape asks for 987654 elements of one). */
    private static final float FAILED_ON = 987654f;
    @TempDir
    Path dir;

    @Test
    void theModelProviderSeesAsManyInstancesWhetherOrNotItsModelFailedOnTheData() throws Exception {
        Files.write(dir.resolve("answered.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {ANSWERED}))));
        Files.write(dir.resolve("failed.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {FAILED_ON}))));
        LocalClusterOperator operator = new LocalClusterOperator(dir);
        // Spark's default is 4 attempts a task; an operator of a flaky cluster raises it (veil batch does not take it, and
        // says so). Spark offers the executor that reported a failure back at once, and the others on its next round of
        // offers: in the runs made for this test before the attestation stage, the first five or so attempts went to the
        // executor that failed, and a later one to the other executor
        operator.spark.put("spark.task.maxFailures", "16");
        try (Parties p = new Parties(dir, reshapeToTheCellsValue())) {
            String contract = ContractVerifier.verify(Json.parse(Files.readAllBytes(dir.resolve("contract.json")), SignedContract.class,
                    "contract"), Instant.now()).hashHex();
            LocalClusterOperator.seal(p, "answered.npz", "data-answered");
            LocalClusterOperator.seal(p, "failed.npz", "data-failed");

            long before = p.mpBroker.releaseCount(contract);
            Parties.Run answered = operator.batch(p, "local-cluster[2,1,1024]", "data-answered", "out-answered");
            assertThat(answered.exit()).as("the model answers the cell 1: %s", answered.err()).isZero();
            long releasesWhenAnswered = p.mpBroker.releaseCount(contract) - before;

            before = p.mpBroker.releaseCount(contract);
            Parties.Run failed = operator.batch(p, "local-cluster[2,1,1024]", "data-failed", "out-failed");
            assertThat(failed.exit()).as("the model fails on the cell 987654: %s", failed.err()).isNotZero();
            assertThat(failed.err()).as("the model's own failure, not the cluster's").contains("inference_failed");
            long releasesWhenFailed = p.mpBroker.releaseCount(contract) - before;

            assertThat(releasesWhenAnswered).as("the model ran at all").isPositive();
            assertThat(releasesWhenFailed)
                    .as("instances the model provider's broker released to for a job its model failed on, against one it answered")
                    .isEqualTo(releasesWhenAnswered);
            assertThat(LocalClusterOperator.discardReceipts(dir.resolve("out-failed")))
                    .as("discard receipts the model provider is handed for a job its model failed on, against one it answered")
                    .isEqualTo(LocalClusterOperator.discardReceipts(dir.resolve("out-answered")));
        }
    }

    /**
     * x: float32 [N, 1]; y = Reshape(x, Concat(Reshape(Cast(x, int64), [-1]), [1])): for one row, y = x when the cell is
     * 1, and ONNX Runtime fails for any other value.
     */
    private static byte[] reshapeToTheCellsValue() {
        Protobuf cast = node("Cast", "c", "x").message(5, new Protobuf().string(1, "to").varint(3, 7).varint(20, 2));
        Protobuf concat = node("Concat", "s", "f", "one").message(5, new Protobuf().string(1, "axis").varint(3, 0).varint(20, 2));
        Protobuf graph = new Protobuf()
                .message(1, cast)
                .message(1, node("Reshape", "f", "c", "minus_one"))
                .message(1, concat)
                .message(1, node("Reshape", "y", "x", "s"))
                .string(2, "reshape-to-the-cell")
                .message(5, int64("minus_one", -1))
                .message(5, int64("one", 1))
                .message(11, floats("x", dim(1)))
                .message(12, floats("y", dim(1)));
        return model(graph);
    }
}
