package dev.veil.spark.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptedRowsTest {
    /** A value no encoding of the file would contain by chance: found in a file only if stored in the clear. */
    private static final String MARKER = "veil-plaintext-marker-7f3a";

    private static NamedTensors rows() {
        float[] v = new float[12];
        for (int i = 0; i < v.length; i++) {
            v[i] = 1000.25f + i;
        }
        return NamedTensors.of(Tensor.ofFloats("x", new long[] {4, 3}, v),
                new Tensor(MARKER, dev.veil.tensor.ElementType.FLOAT32, new long[] {4, 1}, new byte[16]));
    }

    private static String broker() {
        return "http://127.0.0.1:1/test-" + UUID.randomUUID();
    }

    @Test
    void rowsComeBackInOrderThroughTheBrokersKeys(@TempDir Path dir) throws Exception {
        String url = broker();
        DataKeyServices.register(url, new LocalMasterKeys());
        Configuration conf = ParquetCrypto.apply(new Configuration(), url, "m");
        List<byte[]> cells = RowCells.split(rows());
        EncryptedRows.write(dir, cells, 3, conf);

        assertThat(EncryptedRows.parquetFiles(dir)).hasSize(2);
        List<EncryptedRows.Row> back = EncryptedRows.readAll(dir, conf);
        assertThat(back).extracting(EncryptedRows.Row::index).containsExactly(0L, 1L, 2L, 3L);
        NamedTensors joined = RowCells.join(back.stream().map(EncryptedRows.Row::cell).toList());
        assertThat(joined.get("x").floats()).containsExactly(rows().get("x").floats());
    }

    @Test
    void footerAndColumnsAreEncrypted(@TempDir Path dir) throws Exception {
        String url = broker();
        DataKeyServices.register(url, new LocalMasterKeys());
        EncryptedRows.write(dir, RowCells.split(rows()), 10, ParquetCrypto.apply(new Configuration(), url, "m"));
        for (Path f : EncryptedRows.parquetFiles(dir)) {
            byte[] bytes = Files.readAllBytes(f);
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            // the tensor name is in every cell and "tensors" in the schema: both only under AES-GCM
            assertThat(text).doesNotContain(MARKER).doesNotContain(EncryptedRows.TENSORS);
            assertThat(text).startsWith("PARE").endsWith("PARE"); // Parquet's magic for an encrypted footer
        }
    }

    @Test
    void aProcessWithoutTheBrokersServiceCannotRead(@TempDir Path dir) throws Exception {
        String url = broker();
        LocalMasterKeys keys = new LocalMasterKeys();
        DataKeyServices.register(url, keys);
        Configuration conf = ParquetCrypto.apply(new Configuration(), url, "m");
        EncryptedRows.write(dir, RowCells.split(rows()), 10, conf);
        DataKeyServices.unregister(url, keys);
        // a reader naming the same broker URL but holding no key service from it: Parquet's caches are per instance
        // id, so a fresh id stands for a fresh process
        Configuration other = ParquetCrypto.apply(new Configuration(), url + "-not-released", "m");
        assertThatThrownBy(() -> EncryptedRows.readAll(dir, other)).hasStackTraceContaining("no key service");
    }

    /**
     * Attack: an executor JVM outlives its instance; Parquet cached the key-encryption keys it unwrapped (ten minutes by
     * default), so a later job in the same process could read the data provider's files without a release.
     */
    @Test
    void aClosedInstancesUnwrappedKeysAreNotLeftInParquetsCache(@TempDir Path dir) throws Exception {
        String url = broker();
        LocalMasterKeys keys = new LocalMasterKeys();
        DataKeyServices.register(url, keys);
        Configuration conf = ParquetCrypto.apply(new Configuration(), url, "m");
        EncryptedRows.write(dir, RowCells.split(rows()), 10, conf);
        assertThat(EncryptedRows.readAll(dir, conf)).hasSize(4);   // the read fills Parquet's caches
        DataKeyServices.unregister(url, keys);
        assertThatThrownBy(() -> EncryptedRows.readAll(dir, ParquetCrypto.apply(new Configuration(), url, "m")))
                .hasStackTraceContaining("no key service");
    }

    @Test
    void anotherBrokersMasterKeyCannotUnwrap(@TempDir Path dir) throws Exception {
        String url = broker();
        DataKeyServices.register(url, new LocalMasterKeys());
        EncryptedRows.write(dir, RowCells.split(rows()), 10, ParquetCrypto.apply(new Configuration(), url, "m"));
        String impostor = broker();
        DataKeyServices.register(impostor, new LocalMasterKeys());
        assertThatThrownBy(() -> EncryptedRows.readAll(dir, ParquetCrypto.apply(new Configuration(), impostor, "m")))
                .hasStackTraceContaining("does not open");
    }

    /**
     * Pages stay at 64 KiB, not Parquet's 1 MiB: every page is one AES-GCM call, and the JDK compiles AES-GCM onto the
     * CPU's instructions only after enough calls (ParquetCrypto.PAGE_BYTES).
     */
    @Test
    void pagesAreSmallSoThatAesGcmGetsCompiled(@TempDir Path dir) throws Exception {
        String url = broker();
        DataKeyServices.register(url, new LocalMasterKeys());
        Configuration conf = ParquetCrypto.apply(new Configuration(), url, "m");
        int rows = 4000;
        float[] v = new float[rows * 64];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % 17;
        }
        List<byte[]> cells = RowCells.split(NamedTensors.of(Tensor.ofFloats("x", new long[] {rows, 64}, v)));
        long bytes = cells.stream().mapToLong(c -> c.length).sum();
        EncryptedRows.write(dir, cells, rows, conf);

        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(EncryptedRows.parquetFiles(dir).get(0).toUri());
        var decryption = new org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory().getFileDecryptionProperties(conf, file);
        List<Integer> pageSizes = new java.util.ArrayList<>();
        try (var reader = org.apache.parquet.hadoop.ParquetFileReader.open(org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(file, conf),
                org.apache.parquet.ParquetReadOptions.builder().withDecryption(decryption).build())) {
            var column = reader.getFileMetaData().getSchema().getColumnDescription(new String[] {EncryptedRows.TENSORS});
            for (var group = reader.readNextRowGroup(); group != null; group = reader.readNextRowGroup()) {
                var pages = group.getPageReader(column);
                for (var page = pages.readPage(); page != null; page = pages.readPage()) {
                    pageSizes.add(page.getUncompressedSize());
                }
            }
        }
        assertThat(bytes).isGreaterThan(20L * ParquetCrypto.PAGE_BYTES);   // two pages of 1 MiB would hold it
        assertThat(pageSizes).hasSizeGreaterThanOrEqualTo((int) (bytes / (2 * ParquetCrypto.PAGE_BYTES)))
                .allSatisfy(size -> assertThat(size).isLessThan(2 * ParquetCrypto.PAGE_BYTES));
        assertThat(ParquetCrypto.writing(url, "m")).containsEntry("parquet.page.size", Integer.toString(ParquetCrypto.PAGE_BYTES));
    }
}
