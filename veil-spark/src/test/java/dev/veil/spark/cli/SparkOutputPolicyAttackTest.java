package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract's output policy is the model provider's term: under {@code labels} the data provider gets one class
 * index per row, never the model's scores (which make extracting the model far easier: docs/THREAT-MODEL.md, "Out of
 * scope"), and the batch ceremony pads them so their size tells nothing. 'veil batch' on Spark reads no output policy:
 * whatever the contract says, each result row is the model's raw output tensors. A data provider holding a
 * {@code labels} contract receives every score. Fix: the executors apply the contract's output policy (or 'veil batch'
 * refuses a contract whose policy it does not apply, before any key moves).
 */
class SparkOutputPolicyAttackTest {
    @TempDir
    Path dir;

    @Test
    void aLabelsContractDoesNotHandTheDataProviderTheModelsScores() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        FloatTensor rows = NumericCsv.read(DigitsDemo.evaluationCsv(1));
        String input = OnnxSignatureReader.read(model).inputs().get(0).name();
        Files.write(dir.resolve("rows.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats(input, rows.shape(), rows.values()))));
        try (ContractParties p = new ContractParties(dir, model, OutputPolicy.labels(), SessionLimits.defaults())) {
            Parties.Run seal = p.seal("rows.npz", "data");
            assertThat(seal.exit()).as(seal.err()).isZero();
            Parties.Run batch = p.batch("data", "out");
            if (batch.exit() != 0) {
                return;   // refused: the policy is not applied, and no result was given
            }
            Parties.Run open = Parties.launcher("batch", "open", "--in", p.path("out"), "--contract", p.path("contract.json"),
                    "--broker", p.dpUrl, "--identity", p.path("dp.key"), "--data", p.path("data"), "--out", p.path("results.npz"));
            assertThat(open.exit()).as(open.err()).isZero();
            NamedTensors got = Npz.read(Files.readAllBytes(dir.resolve("results.npz")), 1L << 30);
            assertThat(got.tensors()).as("what the data provider of a 'labels' contract opened: %s", got)
                    .noneMatch(t -> t.type() == ElementType.FLOAT32);
        }
    }
}
