package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.Protobuf;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile model provider against the Spark executors' time limit. The contract's {@code limits.max_inference_seconds}
 * bounds a batch session's run (the enclave kills its inference worker when it passes: {@code SingleLongKernelAttackTest});
 * an executor runs the same model in the same worker, but with no time limit at all. A model can then run as long as
 * it likes, and for as long as it likes on the data provider's values of its choosing: the executors' cores are held
 * and the job's duration, which the host sees, is the model's to set. This model spends its time in one Conv over a
 * tensor expanded from the row (2048/256 took about 60 s of CPU here; 1280/160 does about a seventh of its
 * multiply-adds; a larger one takes hours); the contract allows one second.
 * Fix: executors run each model call under the contract's limit (and the load too), and a run past it fails the
 * partition with {@code timeout}.
 */
class SparkRunTimeLimitAttackTest {
    @TempDir
    Path dir;

    @Test
    void aModelRunningPastTheContractsTimeLimitIsStoppedOnAnExecutor() throws Exception {
        byte[] model = oneLongConv(1280, 160);
        Files.write(dir.resolve("rows.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 4}, new float[] {1, 2, 3, 4}))));
        try (ContractParties p = new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults().withMaxInferenceSeconds(1))) {
            Parties.Run seal = p.seal("rows.npz", "data");
            assertThat(seal.exit()).as(seal.err()).isZero();
            Parties.Run batch = p.batch("data", "out");
            assertThat(batch.exit()).as("a batch whose model ran past limits.max_inference_seconds = 1 s must fail, not answer: %s",
                    batch.out()).isNotZero();
            assertThat(dir.resolve("out").resolve(BatchCommand.BATCH_RECEIPT)).doesNotExist();
            assertThat(batch.err()).as("the partition failed for its time, and says only that").contains("failed on an executor: timeout");
        }
    }

    /**
     * On a cluster a task has several attempts, so that a lost executor does not fail the batch: a partition whose model
     * run was stopped at the time limit would run again on the next executor, and the next, each for the whole limit,
     * with the data provider's rows given to the model again each time. A failure the model decided is not retried: the
     * stage is cancelled at its first (the other executor's attempt, if Spark launched one, is killed, not failed).
     */
    @Test
    void aModelStoppedAtTheTimeLimitIsNotRunAgainOnAnotherExecutor() throws Exception {
        byte[] model = oneLongConv(1280, 160);
        Files.write(dir.resolve("rows.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 4}, new float[] {1, 2, 3, 4}))));
        Path events = Files.createDirectories(dir.resolve("events"));
        LocalClusterOperator operator = new LocalClusterOperator(dir);
        operator.spark.put("spark.eventLog.enabled", "true");
        operator.spark.put("spark.eventLog.dir", events.toUri().toString());
        operator.spark.put("spark.eventLog.compress", "false");   // plain text, to be read
        try (ContractParties p = new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults().withMaxInferenceSeconds(1))) {
            Parties.Run seal = p.seal("rows.npz", "data");
            assertThat(seal.exit()).as(seal.err()).isZero();
            Parties.Run batch = operator.under(() -> p.batchOn("local-cluster[2,1,1024]", "data", "out"));
            assertThat(batch.exit()).as(batch.out()).isNotZero();
            assertThat(batch.err()).contains("failed on an executor: timeout");
            List<String> timedOutAttempts;
            try (Stream<Path> logs = Files.walk(events)) {
                timedOutAttempts = logs.filter(Files::isRegularFile).flatMap(SparkRunTimeLimitAttackTest::lines)
                        .filter(l -> l.contains("\"Event\":\"SparkListenerTaskEnd\"") && l.contains("\"Reason\":\"ExceptionFailure\"")
                                && l.contains("veil partition failed: timeout"))
                        .toList();
            }
            assertThat(timedOutAttempts).as("task attempts that ran the model into the time limit").hasSize(1);
        }
    }

    private static Stream<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** x float32 [N, 4]; y[N,4] = sum(Conv(Expand(sum(x), [1,1,h,h]), ones[1,1,k,k])): one Conv node does all the work. */
    private static byte[] oneLongConv(int h, int k) {
        Protobuf one = new Protobuf().varint(1, 1).varint(2, 1).string(8, "one").bytes(9, new byte[] {0, 0, (byte) 0x80, 0x3f});
        Protobuf graph = new Protobuf()
                .message(1, node("ReduceSum", "s", "x").message(5, keepdimsZero()))
                .message(1, node("Expand", "big", "s", "shape_in"))
                .message(1, node("ConstantOfShape", "w", "shape_w")
                        .message(5, new Protobuf().string(1, "value").message(5, one).varint(20, 4)))
                .message(1, node("Conv", "c", "big", "w"))
                .message(1, node("ReduceSum", "t", "c").message(5, keepdimsZero()))
                .message(1, node("Expand", "y", "t", "shape_out"))
                .string(2, "one-long-kernel")
                .message(5, int64s("shape_in", 1, 1, h, h))
                .message(5, int64s("shape_w", 1, 1, k, k))
                .message(5, int64s("shape_out", 1, 4))
                .message(11, value("x"))
                .message(12, value("y"));
        return new Protobuf().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, 13)).toBytes();
    }

    private static Protobuf keepdimsZero() {
        return new Protobuf().string(1, "keepdims").varint(3, 0).varint(20, 2);
    }

    private static Protobuf int64s(String name, long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return new Protobuf().varint(1, v.length).varint(2, 7).string(8, name).bytes(9, b.array());
    }

    private static Protobuf node(String op, String output, String... inputs) {
        Protobuf n = new Protobuf();
        for (String i : inputs) {
            n.string(1, i);
        }
        return n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
    }

    /** float32 [N, 4] */
    private static Protobuf value(String name) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, "N")).message(1, new Protobuf().varint(1, 4));
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, 1).message(2, shape)));
    }

}
