package dev.veil.spark.cli;

import static dev.veil.spark.cli.Parties.launcher;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.Protobuf;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile model provider against the Spark batch, watched by the host that runs the driver and stores the output:
 * storage, the driver's output and logs are untrusted (docs/SCALE-OUT.md, "Trust model"), so nothing there may be a
 * function of the data provider's values.
 */
class HostileModelOnSparkAttackTest {
    /** The data provider's secret cell: a float32 that ONNX Runtime prints exactly when it is cast to int64. */
    private static final float SECRET_CELL = 987654f;
    private static final String SECRET_TEXT = "987654";

    @TempDir
    Path dir;

    /**
     * The model casts the data provider's cell to int64 and reshapes the input to that many elements: ONNX Runtime
     * fails with "requested shape:{987654}". In a batch session that text is only the unshown cause of a sealed failure;
     * on Spark the task's exception, causes included, travels to the driver, is written to Spark's event log, printed
     * by 'veil batch', and logged by the executor and the driver. Fix: the partition's failure must leave the executor
     * as Veil's fixed code alone, without ONNX Runtime's text as cause or message.
     */
    @Test
    void onnxRuntimeErrorQuotingADataProvidersCellDoesNotReachTheDriversOutput() throws Exception {
        byte[] model = reshapeToTheCellsValue();
        Files.write(dir.resolve("rows.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {SECRET_CELL}))));
        try (Parties p = new Parties(dir, model)) {
            seal(p, "rows.npz", "data");
            Path events = Files.createDirectory(dir.resolve("events"));
            System.setProperty("spark.eventLog.enabled", "true");
            System.setProperty("spark.eventLog.dir", events.toUri().toString());
            System.setProperty("spark.eventLog.compress", "false");   // plain text, to be searched
            Parties.Run batch;
            try {
                batch = batch(p, "data", "out");
            } finally {
                System.clearProperty("spark.eventLog.enabled");
                System.clearProperty("spark.eventLog.dir");
                System.clearProperty("spark.eventLog.compress");
            }
            assertThat(batch.exit()).as("the model failed on the cell, so the batch fails: %s", batch.err()).isNotZero();
            List<Path> logs;
            try (Stream<Path> files = Files.walk(events)) {
                logs = files.filter(Files::isRegularFile).toList();
            }
            assertThat(logs).as("Spark wrote its event log").isNotEmpty();
            for (Path f : logs) {
                assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as("Spark's event log %s", f.getFileName())
                        .doesNotContain(SECRET_TEXT);
            }
            assertThat(batch.out() + batch.err()).as("what the driver's host reads of the failed batch")
                    .doesNotContain(SECRET_TEXT);
        }
    }

    /**
     * The model fails on the data provider's cell. In a batch session the model provider's discard receipt then says
     * "discarded" and lists the same items as on success (docs/THREAT-MODEL.md: "signal a data bit to the MP through
     * the session's outcome"). On Spark a failed partition aborts the job before the driver sends any instance its
     * closing task: the model provider gets no discard receipt at all, which tells it the model failed on the data, and
     * no instance's model and keys are released. Fix: close every instance whatever the job's outcome, and hand the
     * model provider its discard receipts ("discarded") as on success.
     */
    @Test
    void modelFailureOnACellStillGivesTheModelProviderItsDiscardReceipt() throws Exception {
        byte[] model = reshapeToTheCellsValue();
        Files.write(dir.resolve("rows.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {SECRET_CELL}))));
        try (Parties p = new Parties(dir, model)) {
            seal(p, "rows.npz", "data");
            Parties.Run batch = batch(p, "data", "out");
            assertThat(batch.exit()).as("the model failed on the cell, so the batch fails: %s", batch.err()).isNotZero();
            Path discard = dir.resolve("out").resolve("_veil-discard-receipt-0.json");
            assertThat(discard).as("the model provider's discard receipt after a model failure").exists();
            Parties.Run verify = Parties.veil("verify-receipt", "--receipt", discard.toString(), "--contract", p.path("contract.json"));
            assertThat(verify.exit()).as(verify.err()).isZero();
            // the outcome is inside the signed payload (base64 in the file): read it as the model provider's verifier does
            SignedReceipt receipt = Json.parse(Files.readAllBytes(discard), SignedReceipt.class, "discard receipt");
            ContractVerifier.Verified contract = ContractVerifier.verify(
                    Json.parse(Files.readAllBytes(dir.resolve("contract.json")), SignedContract.class, "contract"), Instant.now());
            assertThat(ReceiptVerifier.verifyDiscard(receipt, contract).outcome()).isEqualTo(DiscardReceipt.DISCARDED);
        }
    }

    /**
     * The model is ReLU: on one dataset (all cells negative) it answers zeros, on the other (the same cells negated)
     * the cells themselves. The encrypted inputs have the same sizes; the encrypted results must too, or the host
     * reading file sizes learns how compressible the outputs were (Spark writes Parquet compressed and
     * dictionary-encoded by default), i.e. a function of the data the model chose. Fix: write the results with no
     * compression and no dictionary encoding (cells of a fixed shape then give files of a fixed size).
     */
    @Test
    void resultFileSizesDoNotDependOnTheModelsOutputValues() throws Exception {
        int rows = 64;
        int width = 16;
        float[] negative = new float[rows * width];
        Random r = new Random(7);
        for (int i = 0; i < negative.length; i++) {
            negative[i] = -1f - r.nextFloat();
        }
        float[] positive = new float[negative.length];
        for (int i = 0; i < negative.length; i++) {
            positive[i] = -negative[i];
        }
        Files.write(dir.resolve("negative.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {rows, width}, negative))));
        Files.write(dir.resolve("positive.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {rows, width}, positive))));
        try (Parties p = new Parties(dir, relu(width))) {
            seal(p, "negative.npz", "data-negative");
            seal(p, "positive.npz", "data-positive");
            assertThat(sizes(dir.resolve("data-negative"))).as("the host sees inputs of equal sizes")
                    .isEqualTo(sizes(dir.resolve("data-positive")));
            Parties.Run a = batch(p, "data-negative", "out-negative");
            assertThat(a.exit()).as(a.err()).isZero();
            Parties.Run b = batch(p, "data-positive", "out-positive");
            assertThat(b.exit()).as(b.err()).isZero();
            assertThat(sizes(dir.resolve("out-negative")))
                    .as("sizes of the encrypted result files, outputs all zero against outputs all distinct")
                    .isEqualTo(sizes(dir.resolve("out-positive")));
        }
    }

    private static void seal(Parties p, String in, String out) {
        Parties.Run seal = launcher("seal", "--format", "parquet", "--in", p.path(in), "--out", p.path(out), "--broker", p.dpUrl,
                "--identity", p.path("dp.key"), "--master-key", "dataset", "--rows-per-file", "1000");
        assertThat(seal.exit()).as(seal.err()).isZero();
    }

    private static Parties.Run batch(Parties p, String data, String out) {
        return launcher("batch", "--contract", p.path("contract.json"), "--model", p.path("model.veil"), "--data", p.path(data),
                "--mp-broker", p.mpUrl, "--dp-broker", p.dpUrl, "--master-key", "dataset", "--out", p.path(out), "--master", "local[1]",
                "--rows-per-run", "64");
    }

    private static List<Long> sizes(Path dataset) throws Exception {
        List<Long> sizes = new ArrayList<>();
        for (Path f : EncryptedRows.parquetFiles(dataset)) {
            sizes.add(Files.size(f));
        }
        sizes.sort(null);
        return sizes;
    }

    /** x: float32 [N, 1]; y = Reshape(x, Reshape(Cast(x, int64), [-1])): fails unless the cell is 1. */
    private static byte[] reshapeToTheCellsValue() {
        Protobuf cast = node("Cast", "c", "x").message(5, new Protobuf().string(1, "to").varint(3, 7).varint(20, 2));
        Protobuf flat = new Protobuf().varint(1, 1).varint(2, 7).string(8, "minus_one")
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        Protobuf graph = new Protobuf()
                .message(1, cast)
                .message(1, node("Reshape", "s", "c", "minus_one"))
                .message(1, node("Reshape", "y", "x", "s"))
                .string(2, "reshape-to-the-cell")
                .message(5, flat)
                .message(11, value("x", 1))
                .message(12, value("y", 1));
        return model(graph);
    }

    /** x: float32 [N, width]; y = Relu(x). */
    private static byte[] relu(int width) {
        Protobuf graph = new Protobuf()
                .message(1, node("Relu", "y", "x"))
                .string(2, "relu")
                .message(11, value("x", width))
                .message(12, value("y", width));
        return model(graph);
    }

    private static byte[] model(Protobuf graph) {
        return new Protobuf().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, 13)).toBytes();
    }

    private static Protobuf node(String op, String output, String... inputs) {
        Protobuf n = new Protobuf();
        for (String i : inputs) {
            n.string(1, i);
        }
        return n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
    }

    /** float32 [N, width] */
    private static Protobuf value(String name, int width) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, "N")).message(1, new Protobuf().varint(1, width));
        Protobuf tensorType = new Protobuf().varint(1, 1).message(2, shape);
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, tensorType));
    }

}
