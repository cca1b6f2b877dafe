package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.Protobuf;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * model evaluated on a thousand points (as many as fit in a 64 MiB cell, per row). Serving closed exactly this hole
 * (RowsAlongAnotherDimensionAttackTest: a serving contract refuses a model whose input fixes its first dimension and
 * leaves a later one free, {@code ServingContractVerifier.checkRowsAreTheBatch}); batch contracts, whose
 * {@code max_rows} Spark enforces, have no such check, and the driver and executors count cells.
 *
 * <p>Why it matters: the model provider who signed {@code max_rows} 1 believed it bounded what the model answers; the
 * data provider gets a thousand answers, with a batch receipt that verifies.
 *
 * <p>Fix (suggested): as for serving, {@code ContractVerifier} refuses a batch contract whose model input has a fixed
 * first dimension and a free later one (or whose input has no known shape), unless the model provider relaxes it
 * explicitly; or the executors count a cell by the samples it carries along the free dimensions.
 */
class PointsPackedIntoOneRowOnSparkAttackTest {
    private static final int POINTS = 1000;

    @TempDir
    Path dir;

    @Test
    void oneRowOfAThousandPointsIsNotAnsweredUnderMaxRowsOfOne() throws Exception {
        float[] points = new float[POINTS * 3];
        for (int i = 0; i < points.length; i++) {
            points[i] = i / 100f;
        }
        Files.write(dir.resolve("rows.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, POINTS, 3}, points))));
        ContractParties parties;
        try {
            parties = new ContractParties(dir, sigmoidOfFixedBatch(), OutputPolicy.npz(), SessionLimits.defaults().withMaxRows(1));
        } catch (ProtocolException | IllegalArgumentException refusedAtTheContract) {
            return;   // safe: such a model is not run under a row bound
        }
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

    /** x: float32 [1, L, 3] → y: float32 [1, L, 3] = Sigmoid(x). */
    private static byte[] sigmoidOfFixedBatch() {
        Protobuf graph = new Protobuf()
                .message(1, new Protobuf().string(1, "x").string(2, "y").string(3, "sigmoid_y").string(4, "Sigmoid"))
                .string(2, "fixed-batch")
                .message(11, value("x"))
                .message(12, value("y"));
        return new Protobuf().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, 13)).toBytes();
    }

    private static Protobuf value(String name) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().varint(1, 1)).message(1, new Protobuf().string(2, "L"))
                .message(1, new Protobuf().varint(1, 3));
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, 1).message(2, shape)));
    }
}
