package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host holds the data provider's encrypted Parquet (storage is untrusted: docs/SCALE-OUT.md). Each file is
 * encrypted whole, but nothing binds a file to its dataset or says how many files and rows the dataset has: no
 * Parquet Modular Encryption AAD prefix, no manifest, and neither the partition receipts nor the batch receipt count
 * rows or name the input. 'veil batch open' checks only that the rows it opened are 0..n-1 for the n it found. So the
 * host deletes the dataset's last file before the job (the data provider gets answers for a prefix of its rows, with
 * a verified receipt), or replaces it with the same-numbered file of another dataset the data provider sealed under
 * the same master key (the answers of rows 2 and 3 are another dataset's, presented as this one's).
 * Fix: 'veil seal --format parquet' binds every file to its dataset (PME's AAD prefix holding a random dataset id,
 * the file's index and the file count; the id and row count also in a small signed manifest), executors check it, the
 * partition receipts carry the dataset id and their row range, the batch receipt the dataset id and total rows, and
 * 'veil batch open' compares them with what the data provider sealed (e.g. 'veil batch open --data DIR' or
 * '--dataset-id').
 */
class DroppedOrSplicedDatasetFilesAttackTest {
    @TempDir
    Path dir;

    @Test
    void aDatasetMissingItsLastFileIsNotOpenedAsTheWholeDataset() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        writeRows(model, "rows.npz", 0);
        try (ContractParties p = new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults())) {
            Parties.Run seal = sealInFilesOfTwoRows(p, "rows.npz", "data");
            assertThat(seal.exit()).as(seal.err()).isZero();
            Files.delete(dir.resolve("data").resolve("part-00001.parquet"));   // the host drops rows 2 and 3

            Parties.Run batch = p.batch("data", "out");
            if (batch.exit() != 0) {
                return;   // refused: the dataset is incomplete
            }
            Parties.Run open = open(p);
            assertThat(open.exit()).as("the data provider sealed 4 rows; results of only 2 must not open as the dataset's: %s",
                    open.out()).isNotZero();
        }
    }

    @Test
    void aFileOfAnotherDatasetSplicedInIsNotOpenedAsThisDatasets() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        writeRows(model, "rows.npz", 0);
        writeRows(model, "other.npz", 8);
        try (ContractParties p = new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults())) {
            assertThat(sealInFilesOfTwoRows(p, "rows.npz", "data").exit()).isZero();
            assertThat(sealInFilesOfTwoRows(p, "other.npz", "other").exit()).isZero();
            // the host replaces the dataset's second file with the other dataset's second file (and Hadoop's checksum of it,
            // which is no protection: anyone computes it)
            for (String f : new String[] {"part-00001.parquet", ".part-00001.parquet.crc"}) {
                if (Files.exists(dir.resolve("other").resolve(f))) {
                    Files.copy(dir.resolve("other").resolve(f), dir.resolve("data").resolve(f), StandardCopyOption.REPLACE_EXISTING);
                } else {
                    Files.deleteIfExists(dir.resolve("data").resolve(f));
                }
            }

            Parties.Run batch = p.batch("data", "out");
            if (batch.exit() != 0) {
                return;   // refused: a file is not this dataset's
            }
            Parties.Run open = open(p);
            assertThat(open.exit()).as("rows 2 and 3 are another dataset's; they must not open as this one's: %s", open.out())
                    .isNotZero();
        }
    }

    private Parties.Run open(ContractParties p) {
        return Parties.launcher("batch", "open", "--in", p.path("out"), "--contract", p.path("contract.json"),
                "--broker", p.dpUrl, "--identity", p.path("dp.key"), "--data", p.path("data"), "--out", p.path("results.npz"));
    }

    private static Parties.Run sealInFilesOfTwoRows(ContractParties p, String in, String out) {
        return Parties.launcher("seal", "--format", "parquet", "--in", p.path(in), "--out", p.path(out), "--broker", p.dpUrl,
                "--identity", p.path("dp.key"), "--master-key", "dataset", "--rows-per-file", "2");
    }

    /** Four evaluation rows of the digits from {@code from} as {@code name}, under the model's input name. */
    private void writeRows(byte[] model, String name, int from) throws Exception {
        FloatTensor rows = NumericCsv.read(DigitsDemo.evaluationCsv(1)).slice(from, from + 4);
        String input = OnnxSignatureReader.read(model).inputs().get(0).name();
        Files.write(dir.resolve(name), Npz.write(NamedTensors.of(Tensor.ofFloats(input, rows.shape(), rows.values()))));
    }
}
