package dev.veil.spark.cli;

import dev.veil.spark.TestModelTerms;
import static dev.veil.spark.cli.Parties.launcher;
import static dev.veil.spark.cli.Parties.veil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.DigitsDemo;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.json.Digests;
import dev.veil.spark.job.ExecutorInstance;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch commands as a user runs them, on embedded Spark (local mode: the executor is this JVM) with the providers'
 * real brokers on loopback: seal the data provider's rows as encrypted Parquet, run the batch, verify the batch receipt
 * with 'veil verify-receipt', open the results with the data provider's identity.
 */
class BatchCommandsTest {
    @TempDir
    Path dir;

    private static Parties.Run batch(Parties p, String data, String out, String master, String rowsPerRun) {
        return launcher("batch", "--contract", p.path("contract.json"), "--model", p.path("model.veil"), "--data", p.path(data),
                "--mp-broker", p.mpUrl, "--dp-broker", p.dpUrl, "--master-key", "dataset", "--out", p.path(out), "--master", master, "--rows-per-run", rowsPerRun);
    }

    private static Parties.Run open(Parties p, String in, String data, String identity, String out) {
        return launcher("batch", "open", "--in", p.path(in), "--contract", p.path("contract.json"), "--broker", p.dpUrl,
                "--identity", p.path(identity), "--data", p.path(data),
                "--out", p.path(out));
    }

    @Test
    void miniLmBatchEqualsPlainOnnxRuntimeRowByRow() throws Exception {
        Path models = Path.of(System.getProperty("veil.testdata.dir"), "models", "minilm");
        byte[] model = Files.readAllBytes(models.resolve("all-minilm-l6-v2-q.onnx"));
        try (Parties p = new Parties(dir, model)) {
            Parties.Run measure = launcher("batch", "measure");
            assertThat(dev.veil.protocol.json.Json.mapper().readTree(measure.out()).path("measurement").asText()).as(measure.err())
                    .isEqualTo(Digests.hex(ExecutorInstance.measurement()));
            // the environment the executors' deployment pins: the contract's providers, in full, and its TEE
            Parties.Run pins = launcher("batch", "pins", "--contract", p.path("contract.json"));
            assertThat(pins.exit()).as(pins.err()).isZero();
            var contract = dev.veil.protocol.contract.SignedContract.read(dir.resolve("contract.json")).contract();
            var pinned = dev.veil.protocol.json.Json.mapper().readTree(pins.out());
            assertThat(pinned.path("VEIL_BATCH_PROVIDERS").asText())
                    .isEqualTo(contract.modelProvider().fullFingerprint() + "," + contract.dataProvider().fullFingerprint())
                    .startsWith(contract.modelProvider().fingerprint().replace("-", "")).hasSize(129);
            assertThat(pinned.path("VEIL_BATCH_PLATFORM").asText()).isEqualTo("sim");
            Parties.Run noContract = launcher("batch", "pins", "--contract", p.path("no-such-contract.json"));
            assertThat(noContract.exit()).isEqualTo(2);
            assertThat(noContract.err().lines().toList()).singleElement().satisfies(line -> assertThat(line).startsWith("veil: "));

            Parties.Run seal = launcher("seal", "--format", "parquet", "--in", models.resolve("sample-8x128.npz").toString(),
                    "--out", p.path("data"), "--broker", p.dpUrl, "--identity", p.path("dp.key"), "--master-key", "dataset",
                    "--rows-per-file", "3");
            assertThat(seal.exit()).as(seal.err()).isZero();
            assertThat(dir.resolve("data")).isDirectoryContaining("glob:**.parquet");

            Parties.Run batch = batch(p, "data", "out", "local[2]", "1");
            assertThat(batch.exit()).as(batch.err()).isZero();

            Parties.Run verify = veil("verify-receipt", "--receipt", dir.resolve("out").resolve(BatchCommand.BATCH_RECEIPT).toString(),
                    "--contract", p.path("contract.json"));
            assertThat(verify.exit()).as(verify.err()).isZero();
            assertThat(verify.out()).contains("\"verified\" : true").contains("veil.batch-receipt.v2");
            Parties.Run discard = veil("verify-receipt", "--receipt", dir.resolve("out").resolve("_veil-discard-receipt-0.json").toString(),
                    "--contract", p.path("contract.json"));
            assertThat(discard.exit()).as(discard.err()).isZero();

            Parties.Run stranger = open(p, "out", "data", "mp.key", "mp.npz");
            assertThat(stranger.exit()).isEqualTo(2);
            assertThat(stranger.err()).contains("not the contract's data provider");
            assertThat(dir.resolve("mp.npz")).doesNotExist();

            Parties.Run opened = open(p, "out", "data", "dp.key", "results.npz");
            assertThat(opened.exit()).as(opened.err()).isZero();
            NamedTensors got = Npz.read(Files.readAllBytes(dir.resolve("results.npz")), 1L << 30);
            NamedTensors inputs = Npz.read(Files.readAllBytes(models.resolve("sample-8x128.npz")), 1L << 30);
            try (ModelRunner plain = new ModelRunner(model, TestModelTerms.of(model).signature(), 1, dir)) {
                List<NamedTensors> perRow = new ArrayList<>();
                for (long r = 0; r < 8; r++) {
                    List<Tensor> row = new ArrayList<>();
                    for (Tensor t : inputs.tensors()) {
                        row.add(t.rows(r, r + 1));
                    }
                    perRow.add(plain.run(new NamedTensors(row)));
                }
                for (String name : got.names()) {
                    Tensor want = Tensor.concatRows(perRow.stream().map(n -> n.get(name)).toList());
                    assertThat(got.get(name).data()).as(name).isEqualTo(want.data());
                }
            }

            Parties.Run again = open(p, "out", "data", "dp.key", "results.npz");
            assertThat(again.exit()).isEqualTo(2);
            assertThat(again.err()).contains("exists");
        }
    }

    @Test
    void digitsFromCsvGiveTheSameAnswersWhateverThePartitions() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        byte[] csv = DigitsDemo.evaluationCsv(1);
        Files.write(dir.resolve("rows.csv"), csv);
        try (Parties p = new Parties(dir, model)) {
            for (String[] layout : new String[][] {{"coarse", "200", "64"}, {"fine", "7", "5"}}) {
                Parties.Run seal = launcher("seal", "--format", "parquet", "--in", p.path("rows.csv"), "--contract", p.path("contract.json"),
                        "--out", p.path("data-" + layout[0]), "--broker", p.dpUrl, "--identity", p.path("dp.key"), "--master-key", "dataset",
                        "--rows-per-file", layout[1]);
                assertThat(seal.exit()).as(seal.err()).isZero();
                // about one partition per file (and empty splits of the larger files): Spark would otherwise pack small
                // files into one partition per core
                System.setProperty("spark.sql.files.maxPartitionBytes", "4096");
                System.setProperty("spark.sql.files.openCostInBytes", "4096");
                try {
                    Parties.Run batch = batch(p, "data-" + layout[0], "out-" + layout[0], "local[2]", layout[2]);
                    assertThat(batch.exit()).as(batch.err()).isZero();
                } finally {
                    System.clearProperty("spark.sql.files.maxPartitionBytes");
                    System.clearProperty("spark.sql.files.openCostInBytes");
                }
                assertThat(open(p, "out-" + layout[0], "data-" + layout[0], "dp.key", layout[0] + ".csv").exit()).isZero();
                assertThat(open(p, "out-" + layout[0], "data-" + layout[0], "dp.key", layout[0] + ".npz").exit()).isZero();
            }
            assertThat(dir.resolve("fine.csv")).hasSameBinaryContentAs(dir.resolve("coarse.csv"));
            NamedTensors got = Npz.read(Files.readAllBytes(dir.resolve("fine.npz")), 1L << 30);
            FloatTensor rows = NumericCsv.read(csv);
            try (ModelRunner plain = new ModelRunner(model, TestModelTerms.of(model).signature(), 1, dir)) {
                String input = OnnxSignatureReader.read(model).inputs().get(0).name();
                NamedTensors want = plain.run(NamedTensors.of(Tensor.ofFloats(input, rows.shape(), rows.values())));
                for (String name : want.names()) {
                    assertThat(got.get(name).data()).as(name).isEqualTo(want.get(name).data());
                }
            }
            String coarse = Files.readString(dir.resolve("out-coarse").resolve(BatchCommand.BATCH_RECEIPT));
            String fine = Files.readString(dir.resolve("out-fine").resolve(BatchCommand.BATCH_RECEIPT));
            assertThat(partitions(fine)).isGreaterThan(partitions(coarse)).isGreaterThan(10);
        }
    }

    private static int partitions(String batchReceipt) throws Exception {
        return dev.veil.protocol.json.Json.mapper().readTree(batchReceipt).path("partitions").size();
    }
}
