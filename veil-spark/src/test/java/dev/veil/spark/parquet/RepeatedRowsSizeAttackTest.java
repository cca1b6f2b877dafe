package dev.veil.spark.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host that stores a data provider's encrypted Parquet reads its file sizes (docs/SCALE-OUT.md: storage is
 * untrusted). AES-GCM hides the cells, but Parquet encodes before it encrypts: with dictionary encoding on (the
 * writer's default), a dataset whose rows repeat is stored as a small dictionary and short indices, so the file's size
 * tells the host how many distinct rows the data provider has, which the sealed file of the ceremony does not (its
 * size is the plaintext's). Fix: write with dictionary encoding off (cells of one shape then take the same bytes
 * whatever their values).
 */
class RepeatedRowsSizeAttackTest {
    private static final int ROWS = 64;
    private static final int WIDTH = 16;

    @Test
    void repeatedRowsDoNotShrinkTheEncryptedDatasetOnTheHostsDisk(@TempDir Path dir) throws Exception {
        String url = "http://127.0.0.1:1/test-" + UUID.randomUUID();
        LocalMasterKeys keys = new LocalMasterKeys();
        DataKeyServices.register(url, keys);
        try {
            Configuration conf = ParquetCrypto.apply(new Configuration(), url, "m");
            float[] same = new float[ROWS * WIDTH];
            float[] distinct = new float[ROWS * WIDTH];
            for (int i = 0; i < same.length; i++) {
                same[i] = 1000.25f + i % WIDTH;
                distinct[i] = 1000.25f + i;
            }
            Path repeated = Files.createDirectory(dir.resolve("repeated"));
            Path unique = Files.createDirectory(dir.resolve("unique"));
            EncryptedRows.write(repeated, RowCells.split(NamedTensors.of(Tensor.ofFloats("x", new long[] {ROWS, WIDTH}, same))), ROWS, conf);
            EncryptedRows.write(unique, RowCells.split(NamedTensors.of(Tensor.ofFloats("x", new long[] {ROWS, WIDTH}, distinct))), ROWS, conf);
            assertThat(sizes(repeated)).as("sizes of the encrypted files of %d equal rows, against %d distinct rows of the same shape",
                    ROWS, ROWS).isEqualTo(sizes(unique));
        } finally {
            DataKeyServices.unregister(url, keys);
        }
    }

    private static List<Long> sizes(Path dataset) throws Exception {
        List<Long> sizes = new ArrayList<>();
        for (Path f : EncryptedRows.parquetFiles(dataset)) {
            sizes.add(Files.size(f));
        }
        return sizes;
    }
}
