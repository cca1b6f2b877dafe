package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.Protobuf;
import dev.veil.protocol.contract.MaxSizes;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: model extraction past {@code limits.max_rows} on Spark, with a model exported with a fixed batch of 1 and a
 * free later dimension (common: many ONNX exports fix the batch and leave the sequence, box or point count free).
 *
 * <p>{@code max_rows} is the model provider's defence against extraction by querying through {@code veil batch}
 * (docs/THREAT-MODEL.md: "each executor instance counts the rows it reads and stops at max_rows"). An executor counts
 * Parquet rows, and a row's cell may hold any tensor whose first dimension is 1 ({@code RowCells.read}). For
 * x: float32 [1, L, 3] a cell of [1, 1000, 3] is one row, so a data provider whose contract allows one row has the
 * model evaluated on a thousand points (as many as fit in a 64 MiB cell, per row).
 *
 * <p>Why it matters: the model provider who signed {@code max_rows} 1 believed it bounded what the model answers; the
 * data provider gets a thousand answers, with a batch receipt that verifies.
 *
 * <p>Safe behaviour: no such contract verifies (a fixed first dimension with a free later one:
 * {@code RowsAreTheBatch}), and with a free first dimension the contract gives each free later dimension a max size
 * that every executor holds each row to before the model sees it.
 */
class PointsPackedIntoOneRowOnSparkAttackTest {
    private static final int POINTS = 1000;

    @TempDir
    Path dir;

    @Test
    void oneRowOfAThousandPointsIsNotAnsweredUnderMaxRowsOfOne() throws Exception {
        byte[] model = sigmoid(null);
        ContractParties parties;
        try {
            parties = new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults().withMaxRows(1));
        } catch (ProtocolException | IllegalArgumentException refusedAtTheContract) {
            return;   // safe: such a model is not run under a row bound
        }
        assertNotAnswered(parties);
    }

    /**
     * The free-batch form, x: float32 [N, L, 3]: the contract must bound L (signature max_sizes, here 10), and no
     * Spark executor feeds a row of a thousand points (PointsPackedIntoOneRowAttackTest is the batch
     * ceremony's form; RowBeyondTheContractsMaxSizeAttackTest the check every executor runs).
     */
    @Test
    void oneRowOfAThousandPointsIsNotAnsweredUnderAMaxSizeOfTen() throws Exception {
        byte[] model = sigmoid("N");
        ModelTerms read = OnnxSignatureReader.modelTerms(model, "points");
        ModelTerms terms = new ModelTerms(read.sha256(), read.name(), read.signature().withMaxSizes(MaxSizes.of(Map.of("L", 10L))));
        assertNotAnswered(new ContractParties(dir, model, terms, OutputPolicy.npz(), SessionLimits.defaults().withMaxRows(1)));
    }

    private void assertNotAnswered(ContractParties parties) throws Exception {
        float[] points = new float[POINTS * 3];
        for (int i = 0; i < points.length; i++) {
            points[i] = i / 100f;
        }
        Files.write(dir.resolve("rows.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, POINTS, 3}, points))));
        try (ContractParties p = parties) {
            Parties.Run seal = p.seal("rows.npz", "data");
            assertThat(seal.exit()).as(seal.err()).isZero();
            Parties.Run batch = p.batch("data", "out");
            long answered = 0;
            if (batch.exit() == 0) {
                Parties.Run open = Parties.launcher("batch", "open", "--in", p.path("out"), "--contract", p.path("contract.json"),
                        "--broker", p.dpUrl, "--identity", p.path("dp.key"), "--data", p.path("data"), "--out", p.path("results.npz"));
                assertThat(open.exit()).as(open.err()).isZero();
                answered = Npz.read(Files.readAllBytes(dir.resolve("results.npz")), 1L << 30).get("y").elementCount() / 3;
            }
            assertThat(batch.exit())
                    .as("a batch of one Parquet row carrying %d points under limits.max_rows = 1 (points the data provider opened: %d)",
                            POINTS, answered)
                    .isNotZero();
            assertThat(dir.resolve("out").resolve(BatchCommand.BATCH_RECEIPT)).doesNotExist();
        }
    }

    /** x: float32 [B, L, 3] → y = Sigmoid(x); B fixed at 1 when {@code batch} is null, else free under that name. */
    private static byte[] sigmoid(String batch) {
        Protobuf graph = new Protobuf()
                .message(1, new Protobuf().string(1, "x").string(2, "y").string(3, "sigmoid_y").string(4, "Sigmoid"))
                .string(2, "points")
                .message(11, value("x", batch))
                .message(12, value("y", batch));
        return new Protobuf().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, 13)).toBytes();
    }

    private static Protobuf value(String name, String batch) {
        Protobuf first = batch == null ? new Protobuf().varint(1, 1) : new Protobuf().string(2, batch);
        Protobuf shape = new Protobuf().message(1, first).message(1, new Protobuf().string(2, "L"))
                .message(1, new Protobuf().varint(1, 3));
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, 1).message(2, shape)));
    }
}
