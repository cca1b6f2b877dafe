package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.ProtoWriter;
import dev.veil.enclave.inference.Signatures;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Attack (hostile model provider): a serving model that fails in ONNX Runtime for some values of a data provider's
 * cell (an input-dependent Reshape) and answers for others, and a model provider that reads the serving port's
 * {@code /metrics}, which answers anyone who reaches the port. The request's status, its failure counters and its
 * stage timers already look the same for a failed run as for an answered one ({@code ServingInstance#modelFailed});
 * {@code veil_batch_rows} was recorded only for a run that succeeded, so its count moved for an answered request and
 * stood still for a failed one: one bit of the data provider's data per request. Expected: the batch rows are recorded
 * for the batch the coalescer formed (from arrival and shapes only), whatever its run did.
 */
class FailedRunInBatchRowsMetricAttackTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void aRequestTheModelFailsOnMovesTheBatchRowsMetricAsAnAnsweredOneDoes() throws Exception {
        byte[] model = failsUnlessTheCellIsOne();
        ServingMetrics metrics = new ServingMetrics();
        try (ModelRunner runner = new ModelRunner(model, Signatures.of(model), 1);
             Coalescer<TensorBatching.Request, TensorBatching.Ran> c = coalescer(runner, metrics, direct(runner))) {
            c.submit(request(1f)).get();   // warms the worker up
            String before = batchRows(metrics);
            c.submit(request(1f)).get();
            String afterAnswer = batchRows(metrics);
            assertThatThrownBy(() -> c.submit(request(987654f)).get()).as("the model fails on this cell")
                    .isInstanceOf(ExecutionException.class);
            String afterFailure = batchRows(metrics);
            assertThat(List.of(before, afterAnswer, afterFailure)).as("veil_batch_rows_count after warm-up, an answer, a failure")
                    .containsExactly("1", "2", "3");
        }
    }

    @Test
    void aCoalescedBatchTheModelFailsOnIsRecordedAsOneAnsweredBatch() throws Exception {
        byte[] model = failsUnlessTheCellIsOne();
        List<String> counts = new ArrayList<>();
        for (float middle : new float[] {1f, 987654f}) {
            ServingMetrics metrics = new ServingMetrics();
            try (ModelRunner runner = new ModelRunner(model, Signatures.of(model), 1)) {
                Holding holding = new Holding();
                try (Coalescer<TensorBatching.Request, TensorBatching.Ran> c = coalescer(runner, metrics, holding.runner(runner))) {
                    CompletableFuture<TensorBatching.Ran> first = c.submit(request(1f));
                    holding.busy.await();
                    List<CompletableFuture<TensorBatching.Ran>> queued = List.of(c.submit(request(1f)), c.submit(request(middle)),
                            c.submit(request(1f)));
                    holding.release.countDown();
                    first.get();
                    for (CompletableFuture<TensorBatching.Ran> q : queued) {
                        try {
                            q.get();
                        } catch (ExecutionException failedOnItsCell) {
                            // the data provider alone learns this (sealed to it)
                        }
                    }
                    counts.add(batchRows(metrics) + " runs, " + batchRowsSum(metrics) + " rows");
                }
            }
        }
        assertThat(counts.get(1)).as("three of one data provider's requests queued together, the middle one failing in the model")
                .isEqualTo(counts.get(0));
    }

    private static Coalescer<TensorBatching.Request, TensorBatching.Ran> coalescer(ModelRunner runner, ServingMetrics metrics,
            Coalescer.BatchRunner<TensorBatching.Request, TensorBatching.Ran> run) {
        return new Coalescer<>(run, TensorBatching::describe, TensorBatching.batchable(runner.signature()), 256,
                Coalescer.MAX_WAIT_LIMIT, 64, metrics::batch);
    }

    /** Runs as ServingInstance's coalescer runs ({@link TensorBatching#runTimed}). */
    private static Coalescer.BatchRunner<TensorBatching.Request, TensorBatching.Ran> direct(ModelRunner runner) {
        return requests -> TensorBatching.runTimed(runner, requests, LIMIT, Long.MAX_VALUE);
    }

    /** Holds the first run until released, so that the requests submitted meanwhile queue up and share the next one. */
    private static final class Holding {
        final CountDownLatch busy = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final AtomicBoolean first = new AtomicBoolean(true);

        Coalescer.BatchRunner<TensorBatching.Request, TensorBatching.Ran> runner(ModelRunner model) {
            return requests -> {
                if (first.getAndSet(false)) {
                    busy.countDown();
                    release.await();
                }
                return TensorBatching.runTimed(model, requests, LIMIT, Long.MAX_VALUE);
            };
        }
    }

    private static TensorBatching.Request request(float cell) {
        return new TensorBatching.Request("dp", NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {cell})));
    }

    private static String batchRows(ServingMetrics metrics) {
        return series(metrics, "veil_batch_rows_count");
    }

    private static String batchRowsSum(ServingMetrics metrics) {
        return series(metrics, "veil_batch_rows_sum");
    }

    private static String series(ServingMetrics metrics, String name) {
        return metrics.scrape().lines().filter(l -> l.startsWith(name + " ")).map(l -> l.substring(name.length() + 1))
                .findFirst().orElse("absent");
    }

    /**
     * x: float32 [N, 1]; y = x + 0 * ReduceSum(Reshape(x, Reshape(Cast(x, int64), [-1]))): for one row, the Reshape
     * asks for as many elements as the cell's value, so ONNX Runtime fails unless the cell is 1.
     */
    static byte[] failsUnlessTheCellIsOne() {
        ProtoWriter minusOne = new ProtoWriter().varint(1, 1).varint(2, 7).string(8, "minus_one")
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        ProtoWriter zero = new ProtoWriter().varint(2, 1).string(8, "zero")
                .bytes(9, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0f).array());
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Cast", "c", "x").message(5, new ProtoWriter().string(1, "to").varint(3, 7).varint(20, 2)))
                .message(1, node("Reshape", "s", "c", "minus_one"))
                .message(1, node("Reshape", "z", "x", "s"))
                .message(1, node("ReduceSum", "t", "z"))
                .message(1, node("Mul", "u", "t", "zero"))
                .message(1, node("Add", "y", "x", "u"))
                .string(2, "fails-unless-one")
                .message(5, minusOne)
                .message(5, zero)
                .message(11, value("x"))
                .message(12, value("y"));
        return new ProtoWriter().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, 13)).toBytes();
    }

    private static ProtoWriter node(String op, String output, String... inputs) {
        ProtoWriter n = new ProtoWriter();
        for (String i : inputs) {
            n.string(1, i);
        }
        return n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
    }

    /** float32 [N, 1] */
    private static ProtoWriter value(String name) {
        ProtoWriter shape = new ProtoWriter().message(1, new ProtoWriter().string(2, "N")).message(1, new ProtoWriter().varint(1, 1));
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, new ProtoWriter().varint(1, 1).message(2, shape)));
    }
}
