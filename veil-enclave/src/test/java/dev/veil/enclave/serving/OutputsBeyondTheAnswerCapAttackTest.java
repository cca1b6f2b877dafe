package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.ProtoWriter;
import dev.veil.enclave.inference.Signatures;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Attack (hostile model provider): a serving model with many outputs, each as large as a data provider's cell says (an
 * Expand to the cell's value). The server answers at most {@link ServerLimits#maxAnswerBytes()} of outputs per request,
 * but it checked that only once every output of the run was in the enclave's heap: a worker may send each output up to
 * its own heap's size, so one request could make the enclave hold outputs times that (gigabytes for a model of a few
 * megabytes) for an answer it then refuses. Past the enclave's heap that is an OutOfMemoryError in the run: a 500 and
 * {@code internal_error} on the public metrics and no log leaf (the model provider reads the data's size), collateral
 * failures of other data providers' requests, and the worker left mid-reply for the next request to read. Expected: the
 * enclave reads at most the cap of a run's outputs (the cap times the requests sharing it) and refuses the run past it
 * as {@code limit_exceeded}, the same outcome as an oversized answer (sealed to the data provider, the request answered
 * outside); the rest of the reply is read and dropped, so the same worker serves the next request.
 */
class OutputsBeyondTheAnswerCapAttackTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final long CAP = 64 * 1024;
    private static final int OUTPUTS = 8;

    @Test
    void outputsPastTheAnswerCapAreRefusedBeforeTheEnclaveHoldsThem() throws Exception {
        byte[] model = manyOutputsGrowingWithTheCell();
        try (ModelRunner runner = new ModelRunner(model, Signatures.of(model), 1)) {
            assertThat(answer(runner, 16f).tensors()).as("a small answer").hasSize(OUTPUTS);
            List<Long> worker = workers();
            // 8 outputs of 256 Ki floats: 8 MiB the worker sends for a request the server answers at most 64 KiB of.
            assertThatThrownBy(() -> answer(runner, 256 * 1024f))
                    .isInstanceOfSatisfying(InferenceException.class, e -> {
                        assertThat(e.code()).isEqualTo(FailureCode.LIMIT_EXCEEDED);
                        assertThat(e.getMessage()).contains("more than " + CAP + " bytes");
                    });
            assertThat(answer(runner, 3f).get("y0").shape()).as("the next request is answered").containsExactly(1, 3);
            assertThat(workers()).as("by the same worker: the reply was read to its end").isEqualTo(worker);
        }
    }

    /** This JVM's child processes: the runner's inference worker. */
    private static List<Long> workers() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).sorted().toList();
    }

    private static NamedTensors answer(ModelRunner runner, float cell) throws InferenceException {
        NamedTensors in = NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {cell}));
        return TensorBatching.runTimed(runner, List.of(new TensorBatching.Request("dp", in)), LIMIT, CAP).get(0).outputs();
    }

    /**
     * x: float32 [N, 1]; y0..y7 = Expand(x, Concat([1], Reshape(Cast(x, int64), [-1]))): for one row, each y is [1, cell].
     */
    static byte[] manyOutputsGrowingWithTheCell() {
        ProtoWriter minusOne = new ProtoWriter().varint(1, 1).varint(2, 7).string(8, "minus_one")
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        ProtoWriter one = new ProtoWriter().varint(1, 1).varint(2, 7).string(8, "one")
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1).array());
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Cast", "c", "x").message(5, new ProtoWriter().string(1, "to").varint(3, 7).varint(20, 2)))
                .message(1, node("Reshape", "n", "c", "minus_one"))
                .message(1, node("Concat", "s", "one", "n").message(5, new ProtoWriter().string(1, "axis").varint(3, 0).varint(20, 2)));
        for (int i = 0; i < OUTPUTS; i++) {
            graph.message(1, node("Expand", "y" + i, "x", "s"));
        }
        graph.string(2, "many-outputs-growing-with-the-cell")
                .message(5, minusOne)
                .message(5, one)
                .message(11, value("x", new ProtoWriter().varint(1, 1)));
        for (int i = 0; i < OUTPUTS; i++) {
            graph.message(12, value("y" + i, new ProtoWriter().string(2, "M")));
        }
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

    /** float32 [N, second] */
    private static ProtoWriter value(String name, ProtoWriter second) {
        ProtoWriter shape = new ProtoWriter().message(1, new ProtoWriter().string(2, "N")).message(1, second);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, new ProtoWriter().varint(1, 1).message(2, shape)));
    }
}
