package dev.veil.cli.serving;

import static dev.veil.cli.serving.DataDependentFailureMetricsAttackTest.cell;
import static dev.veil.cli.serving.DataDependentFailureMetricsAttackTest.delta;
import static dev.veil.cli.serving.DataDependentFailureMetricsAttackTest.inferCounters;
import static dev.veil.cli.serving.DataDependentFailureMetricsAttackTest.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.cli.demo.Protobuf;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (hostile or careless model provider): a serving model whose outputs grow with a data provider's cell (an
 * Expand to the cell's value), so one request makes an answer of any size, held in enclave memory, encoded, sealed and
 * sent: memory and bandwidth without bound per request. Expected: the server caps an answer's bytes
 * ({@link ServerLimits#maxAnswerBytes()}); a larger one is dropped in the enclave and the data provider alone is told
 * ({@code limit_exceeded}, sealed to it), while outside the request looks answered (the size is the data's to steer:
 * the same rule as a model failing on the data, DataDependentFailureMetricsAttackTest).
 */
class OversizedAnswerAttackTest {
    private static final long CAP = 64 * 1024;

    @Test
    void modelWhoseOutputIsLargerThanTheCapIsRefusedSealedToTheDataProvider(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("grows-with-the-cell.onnx");
        Files.write(model, growsWithTheCell());
        try (ServingFixture f = new ServingFixture(dir, model, OutputPolicy.scores(), ServerLimits.defaults().withMaxAnswerBytes(CAP),
                new ServingBudget(1000L, 10_000L))) {
            f.provision(f.client());
            ServingClient dp = f.client();
            assertThat(dp.infer(ServingFixture.DP, cell(3f)).outputsNpz()).as("a small answer").isNotEmpty();
            Map<String, Double> before = inferCounters(f);
            dp.infer(ServingFixture.DP, cell(3f));
            Map<String, Double> afterAnswer = inferCounters(f);
            assertThatThrownBy(() -> dp.infer(ServingFixture.DP, cell(CAP)))   // CAP floats: four times the cap
                    .isInstanceOfSatisfying(ServingRefused.class, e -> {
                        assertThat(e.reason()).isEqualTo("limit_exceeded");
                        assertThat(e.status()).as("outside, the request looks answered").isEqualTo(200);
                        assertThat(e.getMessage()).contains("limit of " + CAP + " bytes per answer");
                    });
            Map<String, Double> afterRefusal = inferCounters(f);
            assertThat(delta(afterAnswer, afterRefusal)).as("what /metrics shows anyone for the oversized answer")
                    .isEqualTo(delta(before, afterAnswer));
            assertThat(dp.infer(ServingFixture.DP, cell(3f)).outputsNpz()).as("the instance still serves").isNotEmpty();
        }
    }

    /**
     * x: float32 [N, 1]; y = Expand(x, Concat([1], Reshape(Cast(x, int64), [-1]))): for one row, y is [1, cell] (as many
     * floats as the cell's value).
     */
    static byte[] growsWithTheCell() {
        Protobuf minusOne = new Protobuf().varint(1, 1).varint(2, 7).string(8, "minus_one")
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        Protobuf one = new Protobuf().varint(1, 1).varint(2, 7).string(8, "one")
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1).array());
        Protobuf graph = new Protobuf()
                .message(1, node("Cast", "c", "x").message(5, new Protobuf().string(1, "to").varint(3, 7).varint(20, 2)))
                .message(1, node("Reshape", "n", "c", "minus_one"))
                .message(1, node("Concat", "s", "one", "n").message(5, new Protobuf().string(1, "axis").varint(3, 0).varint(20, 2)))
                .message(1, node("Expand", "y", "x", "s"))
                .string(2, "grows-with-the-cell")
                .message(5, minusOne)
                .message(5, one)
                .message(11, value("x", new Protobuf().varint(1, 1)))
                .message(12, value("y", new Protobuf().string(2, "M")));
        return new Protobuf().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, 13)).toBytes();
    }

    /** float32 [N, second] */
    private static Protobuf value(String name, Protobuf second) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, "N")).message(1, second);
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, 1).message(2, shape)));
    }
}
