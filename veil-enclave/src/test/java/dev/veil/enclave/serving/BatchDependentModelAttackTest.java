package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.ProtoWriter;
import dev.veil.enclave.inference.Signatures;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A hostile model against coalescing (issue 8 item 8). The signature says nothing about what the graph does along the
 * batch dimension: a model may reduce over it (ReduceMean on axis 0, BatchNormalization in training mode, a Softmax over
 * the batch ...), so that each row's output depends on every row in the run. The model provider signs such a model into
 * a serving contract, queries as a data provider (its own identity under {@code any}, or a colluding DP), and would read
 * in its own answer a function of everybody else's inputs; even the issue's own quantized MiniLM scales its activations
 * over the whole batch (DynamicQuantizeLinear), so an honest DP's answer would depend on who else was in the run.
 *
 * <p>Safe behaviour: one data provider's answer never depends on another's rows — requests of different data providers
 * never share a run. Both attacks queue a victim's and an attacker's request behind a busy worker, through the coalescer
 * exactly as the serving instance builds it, and check that each answer is its answer alone. (Before the fix they
 * shared one run: the attacker's zero row came back as minus the victim's mean.)
 */
class BatchDependentModelAttackTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void batchAxisReductionLeaksOtherDataProvidersRowsIntoMyAnswer() throws Exception {
        byte[] model = subtractBatchMean();
        try (ModelRunner runner = new ModelRunner(model, Signatures.of(model), 1)) {
            assertThat(TensorBatching.batchable(runner.signature()))
                    .as("the signature looks batchable, so the server coalesces this model").isTrue();
            NamedTensors victim = NamedTensors.of(Tensor.ofFloats("x", new long[] {2, 3}, new float[] {100, 200, 300, 400, 500, 600}));
            NamedTensors attacker = NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 3}, new float[] {0, 0, 0}));
            List<NamedTensors> answers = servedTogether(runner, List.of(
                    new TensorBatching.Request("victim", copy(victim)), new TensorBatching.Request("attacker", copy(attacker))));
            // Alone, the attacker's zero row minus its own mean is zero; in a shared run it would be minus the batch mean.
            assertThat(answers.get(1).get("y").floats()).as("the attacker's answer, queued with the victim's request")
                    .containsExactly(0f, 0f, 0f);
        }
    }

    @Test
    void dynamicQuantizationInMiniLmLetsOtherDataProvidersRowsChangeMyAnswer() throws Exception {
        Path dir = Path.of(System.getProperty("veil.testdata.dir"), "models", "minilm");
        byte[] model = Files.readAllBytes(dir.resolve("all-minilm-l6-v2-q.onnx"));
        NamedTensors sample = Npz.read(Files.readAllBytes(dir.resolve("sample-8x128.npz")), 1 << 20);
        try (ModelRunner runner = new ModelRunner(model, Signatures.of(model), 1)) {
            assertThat(TensorBatching.batchable(runner.signature())).as("the server coalesces MiniLM").isTrue();
            NamedTensors alone = TensorBatching.run(runner, List.of(rows(sample, 5, 8)), LIMIT).get(0);
            NamedTensors served = servedTogether(runner, List.of(new TensorBatching.Request("dp-a", rows(sample, 0, 5)),
                    new TensorBatching.Request("dp-b", rows(sample, 5, 8)))).get(1);
            for (Tensor t : alone.tensors()) {
                assertThat(Arrays.equals(served.get(t.name()).data(), t.data()))
                        .as("output %s of dp-b's 3 rows, queued with dp-a's 5, equals it alone", t.name()).isTrue();
            }
        }
    }

    /**
     * The requests' answers from a coalescer built as {@code ServingInstance} builds it, all queued while its worker
     * is held busy by a first request, so that any the coalescer would group are grouped.
     */
    private static List<NamedTensors> servedTogether(ModelRunner runner, List<TensorBatching.Request> requests) throws Exception {
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        Coalescer.BatchRunner<TensorBatching.Request, NamedTensors> held = batch -> {
            if (first.getAndSet(false)) {
                busy.countDown();
                release.await();
            }
            return TensorBatching.runRequests(runner, batch, LIMIT);
        };
        try (Coalescer<TensorBatching.Request, NamedTensors> c = new Coalescer<>(held, TensorBatching::describe, true, 256,
                Coalescer.MAX_WAIT_LIMIT, 64, rows -> { })) {
            CompletableFuture<NamedTensors> blocker = c.submit(new TensorBatching.Request("someone", requests.get(0).inputs()));
            busy.await();
            List<CompletableFuture<NamedTensors>> answers = new ArrayList<>();
            for (TensorBatching.Request r : requests) {
                answers.add(c.submit(r));
            }
            release.countDown();
            blocker.get();
            List<NamedTensors> out = new ArrayList<>();
            for (CompletableFuture<NamedTensors> a : answers) {
                out.add(a.get());
            }
            return out;
        }
    }

    private static NamedTensors rows(NamedTensors all, long from, long to) {
        return new NamedTensors(all.tensors().stream().map(t -> t.rows(from, to)).toList());
    }

    private static NamedTensors copy(NamedTensors t) {
        Tensor x = t.get("x");
        return NamedTensors.of(Tensor.ofFloats("x", x.shape(), x.floats()));
    }

    /** x: float32 [N, 3] → y: float32 [N, 3] = x − ReduceMean(x, axes=[0], keepdims=1): each row sees the whole batch. */
    private static byte[] subtractBatchMean() {
        ProtoWriter reduce = node("ReduceMean", new String[] {"x"}, "m")
                .message(5, new ProtoWriter().string(1, "axes").varint(8, 0).varint(20, 7))
                .message(5, new ProtoWriter().string(1, "keepdims").varint(3, 1).varint(20, 2));
        ProtoWriter graph = new ProtoWriter()
                .message(1, reduce)
                .message(1, node("Sub", new String[] {"x", "m"}, "y"))
                .string(2, "subtract-batch-mean")
                .message(11, value("x"))
                .message(12, value("y"));
        return new ProtoWriter().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, 13)).toBytes();
    }

    private static ProtoWriter node(String op, String[] inputs, String output) {
        ProtoWriter n = new ProtoWriter();
        for (String i : inputs) {
            n.string(1, i);
        }
        return n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
    }

    /** float32 [N, 3] */
    private static ProtoWriter value(String name) {
        ProtoWriter shape = new ProtoWriter().message(1, new ProtoWriter().string(2, "N")).message(1, new ProtoWriter().varint(1, 3));
        ProtoWriter tensorType = new ProtoWriter().varint(1, 1).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }
}
