package dev.veil.spark.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage is the host's: it can drop, rename, swap or replace the data provider's encrypted files and edit the manifest
 * beside them. Every file is bound to its place in its dataset by its Parquet Modular Encryption AAD prefix
 * (FileBinding), so each such edit fails authentication where the file is decrypted — even a file the data provider
 * itself sealed under the same master key for another dataset. (The Spark job's own refusals are in
 * DroppedOrSplicedDatasetFilesAttackTest.)
 */
class DatasetFileBindingAttackTest {
    @TempDir
    Path tmp;
    private Configuration conf;

    @BeforeEach
    void keys() {
        String url = "http://127.0.0.1:1/test-" + UUID.randomUUID();
        DataKeyServices.register(url, new LocalMasterKeys());   // one master key for both datasets
        conf = ParquetCrypto.apply(new Configuration(), url, "m");
    }

    /** Four rows, two a file; values from {@code from}. */
    private Path dataset(String name, float from) throws Exception {
        float[] v = new float[12];
        for (int i = 0; i < v.length; i++) {
            v[i] = from + i;
        }
        Path dir = Files.createDirectories(tmp.resolve(name));
        EncryptedRows.writeDataset(dir, RowCells.split(NamedTensors.of(Tensor.ofFloats("x", new long[] {4, 3}, v))), 2, conf);
        return dir;
    }

    /**
     * Copies file {@code name} of {@code from} over file {@code as} of {@code to}, with Hadoop's checksum of it (no
     * protection: anyone computes it).
     */
    private static void replace(Path from, String name, Path to, String as) throws Exception {
        Files.copy(from.resolve(name), to.resolve(as), StandardCopyOption.REPLACE_EXISTING);
        Path crc = from.resolve("." + name + ".crc");
        if (Files.exists(crc)) {
            Files.copy(crc, to.resolve("." + as + ".crc"), StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.deleteIfExists(to.resolve("." + as + ".crc"));
        }
    }

    @Test
    void theSealedDatasetReadsBackWhole() throws Exception {
        Path data = dataset("data", 0);
        assertThat(EncryptedRows.readDataset(data, conf)).extracting(EncryptedRows.Row::index).containsExactly(0L, 1L, 2L, 3L);
        assertThat(DatasetFiles.manifest(data).rowsPerFile()).containsExactly(2L, 2L);
    }

    @Test
    void aFileRenamedToAnotherIndexFailsAuthentication() throws Exception {
        Path data = dataset("data", 0);
        Path swap = Files.createDirectories(tmp.resolve("swap"));
        replace(data, "part-00000.parquet", swap, "part-00000.parquet");
        replace(data, "part-00001.parquet", data, "part-00000.parquet");
        replace(swap, "part-00000.parquet", data, "part-00001.parquet");
        assertThatThrownBy(() -> EncryptedRows.readDataset(data, conf)).hasStackTraceContaining("GCM tag check failed");
    }

    @Test
    void aFileOfAnotherDatasetUnderTheSameMasterKeyFailsAuthentication() throws Exception {
        Path data = dataset("data", 0);
        Path other = dataset("other", 100);
        replace(other, "part-00001.parquet", data, "part-00001.parquet");
        assertThatThrownBy(() -> EncryptedRows.readDataset(data, conf)).hasStackTraceContaining("GCM tag check failed");
    }

    @Test
    void aManifestEditedToFewerFilesIsRefused() throws Exception {
        Path data = dataset("data", 0);
        DatasetManifest sealed = DatasetFiles.manifest(data);
        DatasetManifest fewer = new DatasetManifest(DatasetManifest.KIND, sealed.datasetId(), List.of(2L));
        Files.write(data.resolve(DatasetManifest.FILE_NAME), fewer.canonicalBytes());
        // the host drops the last file and says so in the manifest: file 0 was sealed as one of two
        Files.delete(data.resolve("part-00001.parquet"));
        assertThatThrownBy(() -> EncryptedRows.readDataset(data, conf)).hasStackTraceContaining("GCM tag check failed");
    }

    @Test
    void aManifestEditedToOtherRowCountsFailsAuthentication() throws Exception {
        Path data = dataset("data", 0);
        DatasetManifest sealed = DatasetFiles.manifest(data);
        Files.write(data.resolve(DatasetManifest.FILE_NAME),
                new DatasetManifest(DatasetManifest.KIND, sealed.datasetId(), List.of(3L, 1L)).canonicalBytes());
        assertThatThrownBy(() -> EncryptedRows.readDataset(data, conf)).hasStackTraceContaining("GCM tag check failed");
    }

    @Test
    void aMissingOrStrayFileIsRefusedByNameBeforeAnyKeyMoves() throws Exception {
        Path data = dataset("data", 0);
        Files.copy(data.resolve("part-00001.parquet"), data.resolve("part-00002.parquet"));
        assertThatThrownBy(() -> DatasetFiles.list(data.toString(), new Configuration())).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("part-00002.parquet, which is not one of the 2 files");
        Files.delete(data.resolve("part-00002.parquet"));
        Files.delete(data.resolve("part-00001.parquet"));
        assertThatThrownBy(() -> DatasetFiles.list(data.toString(), new Configuration())).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("lacks part-00001.parquet");
    }

    @Test
    void aPlaintextFileInPlaceOfAnEncryptedOneIsRefused() throws Exception {
        Path data = dataset("data", 0);
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        float[] v = new float[12];
        EncryptedRows.write(plain, RowCells.split(NamedTensors.of(Tensor.ofFloats("x", new long[] {4, 3}, v))), 2, new Configuration());
        replace(plain, "part-00001.parquet", data, "part-00001.parquet");
        assertThatThrownBy(() -> EncryptedRows.readDataset(data, conf)).isInstanceOf(EncryptedRows.NotEncrypted.class)
                .hasMessageContaining("part-00001.parquet is not an encrypted Parquet file");
        // and Parquet itself, under the properties an executor's reader gets (which Spark's reader uses, without the check
        // above), refuses the file: they give no leave to read plaintext
        FileDecryptionProperties bound = FileBinding.decryption(FileDecryptionProperties.builder()
                .withKeyRetriever(keyMetadata -> new byte[16]).build(), new byte[] {1, 2, 3});
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(data.resolve("part-00001.parquet").toUri());
        assertThatThrownBy(() -> {
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), file).withConf(new Configuration())
                    .withDecryption(bound).build()) {
                r.read();
            }
        }).hasStackTraceContaining("plaintext");
    }

    @Test
    void aProcessGivenNoDatasetDecryptsNoFile() throws Exception {
        Path data = dataset("data", 0);
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(data.resolve("part-00000.parquet").toUri());
        assertThatThrownBy(() -> new BoundDatasetDecryption().getFileDecryptionProperties(conf, file))
                .hasMessageContaining("given no dataset");
    }

    /**
     * The executor's half of DatasetFileReadTwiceAttackTest: a listed file replaced after the driver's check by a
     * directory holding a copy of another file of the dataset. Spark would read the copy inside it, whose name says file
     * 0: it is refused for its path, which the driver never listed, before its name is trusted.
     */
    @Test
    void aFileReadAtAPathTheDriverDidNotListIsRefused() throws Exception {
        Path data = dataset("data", 0);
        String kms = conf.get(org.apache.parquet.crypto.keytools.KeyToolkit.KMS_INSTANCE_URL_PROPERTY_NAME);
        java.util.List<String> listed = java.util.List.of(
                new org.apache.hadoop.fs.Path(data.resolve("part-00000.parquet").toUri()).toString(),
                new org.apache.hadoop.fs.Path(data.resolve("part-00001.parquet").toUri()).toString());
        BoundDatasetDecryption.registerOutsideTasks(kms, DatasetFiles.manifest(data), listed);
        try {
            Path inside = Files.createDirectories(tmp.resolve("data-inside").resolve("part-00001.parquet"));
            Files.copy(data.resolve("part-00000.parquet"), inside.resolve("part-00000.parquet"));
            org.apache.hadoop.fs.Path copy = new org.apache.hadoop.fs.Path(inside.resolve("part-00000.parquet").toUri());
            assertThatThrownBy(() -> new BoundDatasetDecryption().getFileDecryptionProperties(conf, copy))
                    .hasMessageContaining("is not one of the dataset's files where the driver listed them");
            org.apache.hadoop.fs.Path first = new org.apache.hadoop.fs.Path(data.resolve("part-00000.parquet").toUri());
            assertThat(new BoundDatasetDecryption().getFileDecryptionProperties(conf, first)).isNotNull();
        } finally {
            BoundDatasetDecryption.unregister(kms);
        }
    }
}
