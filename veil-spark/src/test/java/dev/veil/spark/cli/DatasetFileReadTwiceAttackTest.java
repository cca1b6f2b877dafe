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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review 17b. The driver admits a dataset directory by the names it lists ({@code DatasetFiles.list}: each
 * {@code part-NNNNN.parquet} the manifest names present, no other), and the executors bind a file to its index by the
 * last component of the path Parquet opens ({@code BoundDatasetDecryption}). Neither checks that a listed name is a
 * regular file. The host (storage is untrusted) replaces {@code part-00001.parquet} by a directory of that name holding a
 * copy of {@code part-00000.parquet}: the driver sees both names, Spark reads the directory's leaf file, whose own name
 * binds it to index 0, so it decrypts. File 0 is read twice and file 1 never; the two files have the same rows, so the
 * partitions' total is the manifest's and {@code BatchTotals} passes: the driver signs a batch receipt that says every row
 * of the dataset ran (the receipt verifies offline, {@code BatchReceiptVerifier.requireDataset} included); only the data
 * provider's full 'veil batch open' finds row indices repeated.
 * Fix: {@code DatasetFiles.list} refuses a listed name that is not a regular file (and the executors bind by the whole
 * path the driver listed, or refuse a file whose parent is not the dataset directory); {@code BatchTotals} could also
 * compare each file's rows read (partition receipts naming the files and row ranges they read) instead of the sum alone.
 */
class DatasetFileReadTwiceAttackTest {
    @TempDir
    Path dir;

    @Test
    void aFileNameReplacedByADirectoryHoldingAnotherFileOfTheDatasetGetsNoReceipt() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        FloatTensor rows = NumericCsv.read(DigitsDemo.evaluationCsv(1)).slice(0, 4);
        String input = OnnxSignatureReader.read(model).inputs().get(0).name();
        Files.write(dir.resolve("rows.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats(input, rows.shape(), rows.values()))));
        try (ContractParties p = new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults())) {
            Parties.Run seal = Parties.launcher("seal", "--format", "parquet", "--in", p.path("rows.npz"), "--out", p.path("data"),
                    "--broker", p.dpUrl, "--identity", p.path("dp.key"), "--master-key", "dataset", "--rows-per-file", "2");
            assertThat(seal.exit()).as(seal.err()).isZero();
            Path data = dir.resolve("data");
            // the host: file 1 (rows 2 and 3) goes; a directory of its name holds a copy of file 0 (and Hadoop's checksum)
            Files.delete(data.resolve("part-00001.parquet"));
            Files.deleteIfExists(data.resolve(".part-00001.parquet.crc"));
            Path spliced = Files.createDirectory(data.resolve("part-00001.parquet"));
            Files.copy(data.resolve("part-00000.parquet"), spliced.resolve("part-00000.parquet"));
            if (Files.exists(data.resolve(".part-00000.parquet.crc"))) {
                Files.copy(data.resolve(".part-00000.parquet.crc"), spliced.resolve(".part-00000.parquet.crc"));
            }

            Parties.Run batch = p.batch("data", "out");
            assertThat(dir.resolve("out").resolve(BatchCommand.BATCH_RECEIPT))
                    .as("rows 0 and 1 ran twice and rows 2 and 3 never, yet the driver signed a batch receipt for the whole"
                            + " dataset (exit %d): %s%s", batch.exit(), batch.out(), batch.err())
                    .doesNotExist();
            assertThat(batch.exit()).as(batch.err()).isEqualTo(2);
            assertThat(batch.err()).as("refused for the layout, before any key moves").contains("holds part-00001.parquet as a directory");
        }
    }
}
