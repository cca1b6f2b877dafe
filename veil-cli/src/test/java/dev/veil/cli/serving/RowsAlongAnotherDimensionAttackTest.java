package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.cli.demo.Protobuf;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.provider.serving.ServingRefused;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model extraction past the budget through a model exported with a fixed batch of 1 (common: many ONNX exports fix the
 * batch and leave the sequence, box or point count free). Budgets count a request's "rows", its inputs' first
 * dimension, whatever the model's signature says that dimension is. For x: float32 [1, L, 3] every request is 1 row
 * however large L is, so a DP with rows_total 1 has the model evaluated on as many points as fit in 64 MiB, per
 * request; the MP who wrote rows_per_day and rows_total believed they bounded what the model answers.
 *
 * <p>Safe behaviour: the budget bounds what the model answers. Either a serving contract (or the instance, at
 * provisioning) refuses a model whose inputs do not all start with a free batch dimension, unless the MP relaxes it
 * explicitly, or the instance counts such a request by what it carries. Today the request is answered.
 */
class RowsAlongAnotherDimensionAttackTest {
    @Test
    void budgetOfOneRowDoesNotBuyAThousandPointsAlongAFreeInnerDimension(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("fixed-batch.onnx");
        Files.write(model, sigmoidOfFixedBatch());
        ServingFixture f = null;
        try {
            f = new ServingFixture(dir, model, OutputPolicy.npz(), ServerLimits.defaults(), new ServingBudget(1L, 1L));
            f.provision(f.client());
        } catch (Exception refusedBeforeServing) {
            if (f != null) {
                f.close();
            }
            return;   // safe: such a model is not served under row budgets
        }
        try (ServingFixture serving = f) {
            float[] points = new float[1000 * 3];
            byte[] in = Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 1000, 3}, points)));
            assertThatThrownBy(() -> serving.client().infer(ServingFixture.DP, in))
                    .as("1,000 points answered under a budget of 1 row")
                    .isInstanceOfSatisfying(ServingRefused.class, e -> assertThat(e.reason()).isEqualTo("limit_exceeded"));
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
