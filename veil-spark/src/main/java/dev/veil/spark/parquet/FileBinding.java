package dev.veil.spark.parquet;

import dev.veil.protocol.batch.DatasetManifest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.crypto.FileEncryptionProperties;
import org.apache.parquet.crypto.ParquetCipher;

/**
 * Binds each file of a data provider's dataset to the dataset and to its place in it, with Parquet Modular
 * Encryption's own mechanism: the file's AAD prefix, which enters the AAD of every encrypted module of the file (footer,
 * page headers, pages). It holds the dataset id, the file's index, the file count and the file's rows
 * ({@link DatasetManifest}), and is not stored in the file: a reader supplies the prefix it expects for the file's
 * name, and a file written for another index, another count or another dataset (even under the same master key) fails
 * its first AES-GCM tag check. So a dropped, renamed, swapped or spliced file is refused, and so is a manifest edited
 * in any field.
 */
public final class FileBinding {
    private static final byte[] LABEL = "veil.parquet-dataset.v1 file".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern NAME = Pattern.compile("part-([0-9]{5,7})\\.parquet");

    private FileBinding() {
    }

    /** The name of file {@code index} of a dataset. */
    public static String fileName(int index) {
        return String.format("part-%05d.parquet", index);
    }

    /** The index a dataset file's name says, or -1 when it is not a dataset file's name (or not in its one spelling). */
    public static int indexOf(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return -1;
        }
        int index = Integer.parseInt(m.group(1));
        return fileName(index).equals(fileName) ? index : -1;
    }

    /** The AAD prefix of file {@code index} of {@code dataset}: label, dataset id, index, file count, the file's rows. */
    public static byte[] aadPrefix(DatasetManifest dataset, int index) {
        if (index < 0 || index >= dataset.files()) {
            throw new IllegalArgumentException("file " + index + " is not one of the dataset's " + dataset.files());
        }
        return ByteBuffer.allocate(LABEL.length + 16 + 4 + 4 + 8).put(LABEL).put(dataset.datasetIdBytes()).putInt(index)
                .putInt(dataset.files()).putLong(dataset.rowsPerFile().get(index)).array();
    }

    /**
     * {@code uniform} (Parquet's properties for one key over the footer and every column, as {@link ParquetCrypto} sets)
     * with {@code prefix} as the AAD prefix, not stored in the file.
     */
    static FileEncryptionProperties encryption(FileEncryptionProperties uniform, byte[] prefix) {
        if (!uniform.encryptedFooter() || (uniform.getEncryptedColumns() != null && !uniform.getEncryptedColumns().isEmpty())) {
            throw new IllegalStateException("a dataset file is encrypted with one key over its footer and every column");
        }
        return FileEncryptionProperties.builder(uniform.getFooterKey()).withFooterKeyMetadata(uniform.getFooterKeyMetadata())
                .withAlgorithm(ParquetCipher.AES_GCM_V1).withAADPrefix(prefix).withoutAADPrefixStorage().build();
    }

    /**
     * Decryption with the key retriever of {@code keys} (the key service's) and {@code prefix} as the AAD prefix the file
     * must have been written with; a plaintext file is refused.
     */
    static FileDecryptionProperties decryption(FileDecryptionProperties keys, byte[] prefix) {
        return FileDecryptionProperties.builder().withKeyRetriever(keys.getKeyRetriever()).withAADPrefix(prefix).build();
    }
}
