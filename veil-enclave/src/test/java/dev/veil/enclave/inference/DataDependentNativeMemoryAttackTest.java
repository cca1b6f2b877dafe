package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (hostile model provider): a model whose memory grows with a data provider's cell (an Expand to the cell's
 * value). ONNX Runtime allocates it natively in the inference worker, where the worker's -Xmx does not reach, so a
 * large cell can take the machine's (or the enclave's cgroup's) memory. The kernel's OOM killer then ends a process by
 * its resident size, and the enclave's, whose heap holds the model, can be the larger: the enclave dies, the session
 * ends with no discard receipt, and the model provider learns that the data was large (and the data provider loses the
 * run). Expected: the worker asks to be the OOM killer's first choice, so that the worker dies and the run fails as
 * {@code inference_failed}, the enclave alive to discard it. (Running a machine out of memory in a test is not done;
 * this checks the score the kernel chooses by, on the worker that runs the model.)
 */
class DataDependentNativeMemoryAttackTest {
    private static final Path PROC = Path.of("/proc");

    @TempDir
    Path scratch;

    @Test
    void theWorkerRunningAModelThatGrowsWithTheDataIsTheOomKillersFirstChoice() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(PROC.resolve("self").resolve("oom_score_adj")), "Linux's OOM killer");
        byte[] model = growsWithTheCell();
        try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1, scratch)) {
            NamedTensors out = r.run(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {4096f})));
            assertThat(out.get("y").shape()).as("as many floats as the cell's value").containsExactly(1, 4096);
            long worker = r.workerProcess().pid();
            assertThat(Files.readString(PROC.resolve(Long.toString(worker)).resolve("oom_score_adj")).trim())
                    .as("the worker's weight in the OOM killer's choice").isEqualTo("1000");
            assertThat(Files.readString(PROC.resolve("self").resolve("oom_score_adj")).trim())
                    .as("the enclave's own is left as it was").isNotEqualTo("1000");
        }
    }

    /**
     * x: float32 [N, 1]; y = Expand(x, Concat([1], Reshape(Cast(x, int64), [-1]))): for one row, y is [1, cell] (as many
     * floats as the cell's value, allocated by ONNX Runtime).
     */
    static byte[] growsWithTheCell() {
        ProtoWriter minusOne = new ProtoWriter().varint(1, 1).varint(2, 7).string(8, "minus_one")
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        ProtoWriter one = new ProtoWriter().varint(1, 1).varint(2, 7).string(8, "one")
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1).array());
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Cast", "c", "x").message(5, new ProtoWriter().string(1, "to").varint(3, 7).varint(20, 2)))
                .message(1, node("Reshape", "n", "c", "minus_one"))
                .message(1, node("Concat", "s", "one", "n").message(5, new ProtoWriter().string(1, "axis").varint(3, 0).varint(20, 2)))
                .message(1, node("Expand", "y", "x", "s"))
                .string(2, "grows-with-the-cell")
                .message(5, minusOne)
                .message(5, one)
                .message(11, value("x", new ProtoWriter().varint(1, 1)))
                .message(12, value("y", new ProtoWriter().string(2, "M")));
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
