package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.provider.broker.ProviderDataKeys;
import dev.veil.spark.broker.DatasetDataKeys;
import dev.veil.spark.parquet.DataKeyServices;
import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.spark.parquet.ParquetCrypto;
import dev.veil.spark.parquet.RowCells;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.Tensor;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data provider holds the master key, so it can seal files whose binding (and manifest) claims fewer rows than they
 * hold: the driver's check of the manifest against {@code limits.max_rows} is then no bound. The executors count the
 * rows they read, each instance stopping at {@code max_rows}, and the driver refuses a batch whose partitions did not
 * run exactly the manifest's rows.
 */
class UndercountedDatasetAttackTest {
    @TempDir
    Path dir;

    @Test
    void aDatasetHoldingMoreRowsThanItsManifestSaysIsStoppedByTheExecutorsAtMaxRows() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        try (ContractParties p = new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults().withMaxRows(10))) {
            sealUndercounted(p, model, 12);   // 24 rows, the manifest says 4
            Parties.Run batch = p.batch("data", "out");
            assertThat(batch.exit()).isEqualTo(1);
            assertThat(batch.err()).as("the executor stops at max_rows: the partitions never finish")
                    .contains("failed on an executor: limit_exceeded");
            assertThat(dir.resolve("out").resolve(BatchCommand.BATCH_RECEIPT)).doesNotExist();
            assertThat(EncryptedRows.parquetFiles(dir.resolve("out"))).isEmpty();
        }
    }

    @Test
    void aDatasetHoldingOtherRowsThanItsManifestSaysGetsNoReceipt() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        try (ContractParties p = new ContractParties(dir, model, OutputPolicy.npz(), SessionLimits.defaults().withMaxRows(10))) {
            sealUndercounted(p, model, 3);   // 6 rows, within max_rows, but the manifest says 4
            Parties.Run batch = p.batch("data", "out");
            assertThat(batch.exit()).isEqualTo(1);
            assertThat(batch.err()).contains("refused after its partitions ran: dataset_invalid");
            assertThat(dir.resolve("out").resolve(BatchCommand.BATCH_RECEIPT)).doesNotExist();
            assertThat(EncryptedRows.parquetFiles(dir.resolve("out"))).isEmpty();
        }
    }

    /**
     * Two files of {@code rowsPerFile} digits rows each, sealed through the data provider's broker under a manifest (and
     * bindings) that claim two rows a file.
     */
    private void sealUndercounted(ContractParties p, byte[] model, int rowsPerFile) throws Exception {
        FloatTensor rows = NumericCsv.read(DigitsDemo.evaluationCsv(1)).slice(0, 2 * rowsPerFile);
        String input = OnnxSignatureReader.read(model).inputs().get(0).name();
        List<byte[]> cells = RowCells.split(NamedTensors.of(Tensor.ofFloats(input, rows.shape(), rows.values())));
        DatasetManifest claimed = DatasetManifest.create(List.of(2L, 2L));
        Path data = Files.createDirectories(dir.resolve("data"));
        try (Identity dp = IdentityFiles.readSecret(dir.resolve("dp.key"))) {
            DatasetDataKeys sealing = new DatasetDataKeys(new ProviderDataKeys(URI.create(p.dpUrl), dp));
            DataKeyServices.register(p.dpUrl, sealing);
            try {
                EncryptedRows.writeBound(data, List.of(cells.subList(0, rowsPerFile), cells.subList(rowsPerFile, 2 * rowsPerFile)),
                        claimed, ParquetCrypto.apply(new Configuration(), p.dpUrl, "dataset"));
            } finally {
                DataKeyServices.unregister(p.dpUrl, sealing);
            }
        }
        Files.write(data.resolve(DatasetManifest.FILE_NAME), claimed.canonicalBytes());
    }
}
