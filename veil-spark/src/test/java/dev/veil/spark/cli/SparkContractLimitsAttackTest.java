package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.json.Digests;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract's {@code limits} are the model provider's terms too: {@code max_rows} bounds how many rows the data
 * provider may run through the model (its defence against extraction by querying: docs/THREAT-MODEL.md), and
 * {@code dataset_sha256} pins the one dataset both agreed. A batch session enforces both (BatchPipeline's
 * {@code limit_exceeded}, the enclave's {@code dataset_invalid}); 'veil batch' on Spark reads neither (only
 * {@code max_inference_seconds}, ExecutorInstance): a data provider (or the host that runs the job) runs any number of
 * rows, of any dataset, under a contract that allows ten rows of one pinned dataset, and gets every answer.
 * Fix: the job counts rows against {@code max_rows} (each executor per partition, the driver over the partitions'
 * counts before it signs the batch receipt, and the executors stop reading once a partition alone passes it), and
 * 'veil batch' refuses, before any key moves, a contract whose {@code dataset_sha256} it cannot check (or 'veil seal
 * --format parquet' records a digest of the dataset the executors verify).
 */
class SparkContractLimitsAttackTest {
    @TempDir
    Path dir;

    @Test
    void aDatasetOfMoreRowsThanTheContractsMaxRowsGetsNoAnswersOnSpark() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        writeRows(model, 24);
        try (ContractParties p = new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults().withMaxRows(10))) {
            Parties.Run seal = p.seal("rows.npz", "data");
            assertThat(seal.exit()).as(seal.err()).isZero();
            Parties.Run batch = p.batch("data", "out");
            assertThat(batch.exit()).as("a batch of 24 rows under limits.max_rows = 10 must fail, not answer: %s", batch.out())
                    .isNotZero();
            assertThat(dir.resolve("out").resolve(BatchCommand.BATCH_RECEIPT)).doesNotExist();
        }
    }

    @Test
    void aDatasetOtherThanTheContractsPinnedOneGetsNoAnswersOnSpark() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        writeRows(model, 4);
        String pinned = Digests.hex(Digests.sha256("the one dataset both providers agreed".getBytes(StandardCharsets.US_ASCII)));
        try (ContractParties p = new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults().withDatasetSha256(pinned))) {
            Parties.Run seal = p.seal("rows.npz", "data");
            assertThat(seal.exit()).as(seal.err()).isZero();
            Parties.Run batch = p.batch("data", "out");
            assertThat(batch.exit()).as("a batch over a dataset that is not limits.dataset_sha256 must be refused: %s", batch.out())
                    .isNotZero();
            assertThat(dir.resolve("out").resolve(BatchCommand.BATCH_RECEIPT)).doesNotExist();
        }
    }

    /** The first {@code n} evaluation rows of the digits as rows.npz, under the model's input name. */
    private void writeRows(byte[] model, int n) throws Exception {
        FloatTensor all = NumericCsv.read(DigitsDemo.evaluationCsv(1));
        FloatTensor rows = all.slice(0, n);
        String input = OnnxSignatureReader.read(model).inputs().get(0).name();
        Files.write(dir.resolve("rows.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats(input, rows.shape(), rows.values()))));
    }
}
