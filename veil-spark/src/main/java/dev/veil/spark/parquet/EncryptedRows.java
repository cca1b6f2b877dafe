package dev.veil.spark.parquet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.crypto.FileEncryptionProperties;
import org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Veil's Parquet datasets, encrypted with Parquet Modular Encryption ({@link ParquetCrypto}): a directory of files
 * whose records are {@code row} (the row's place in the input, from 0) and {@code tensors} (the row as a
 * {@link RowCells} cell). The data provider writes its dataset so; the batch job writes its results so.
 */
public final class EncryptedRows {
    public static final String ROW = "row";
    public static final String TENSORS = "tensors";
    public static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message veil_rows { required int64 " + ROW + "; required binary " + TENSORS + "; }");

    /** One record: a row's place in the input and its cell. */
    public record Row(long index, byte[] cell) {
    }

    private EncryptedRows() {
    }

    /**
     * Writes {@code cells} (row i is cell i) to new files in the existing empty directory {@code dir}, at most
     * {@code rowsPerFile} rows a file, so that a job can read them in parallel.
     */
    public static void write(Path dir, List<byte[]> cells, int rowsPerFile, Configuration conf) throws IOException {
        SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
        PropertiesDrivenCryptoFactory crypto = new PropertiesDrivenCryptoFactory();
        int files = Math.max(1, (cells.size() + rowsPerFile - 1) / rowsPerFile);
        for (int f = 0; f < files; f++) {
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve(String.format("part-%05d.parquet", f)).toUri());
            FileEncryptionProperties encryption = crypto.getFileEncryptionProperties(conf, file, null);
            try (ParquetWriter<Group> w = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
                    .withConf(conf).withType(SCHEMA).withEncryption(encryption)
                    // as ParquetCrypto.SIZE_OF_VALUES_HIDDEN: the file's size follows the cells' lengths, not their values
                    .withCompressionCodec(CompressionCodecName.UNCOMPRESSED).withDictionaryEncoding(false)
                    .withStatisticsEnabled(false).withSizeStatisticsEnabled(false)
                    .withPageSize(ParquetCrypto.PAGE_BYTES).withWriteMode(ParquetFileWriter.Mode.CREATE).build()) {
                int end = Math.min(cells.size(), (f + 1) * rowsPerFile);
                for (int r = f * rowsPerFile; r < end; r++) {
                    w.write(groups.newGroup().append(ROW, (long) r).append(TENSORS, Binary.fromConstantByteArray(cells.get(r))));
                }
            }
        }
    }

    /** Every record of every .parquet file in {@code dir}, decrypted, in ascending {@code row} order. */
    public static List<Row> readAll(Path dir, Configuration conf) throws IOException {
        List<Row> rows = readAll(dir, conf, g -> new Row(g.getLong(ROW, 0), g.getBinary(TENSORS, 0).getBytes()));
        rows.sort((a, b) -> Long.compare(a.index(), b.index()));
        return rows;
    }

    /** Every record of every .parquet file in {@code dir}, decrypted, as {@code record} reads it, in file order. */
    public static <T> List<T> readAll(Path dir, Configuration conf, java.util.function.Function<Group, T> record) throws IOException {
        PropertiesDrivenCryptoFactory crypto = new PropertiesDrivenCryptoFactory();
        List<T> rows = new ArrayList<>();
        for (Path p : parquetFiles(dir)) {
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(p.toUri());
            FileDecryptionProperties decryption = crypto.getFileDecryptionProperties(conf, file);
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), file).withConf(conf)
                    .withDecryption(decryption).build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    rows.add(record.apply(g));
                }
            }
        }
        return rows;
    }

    /** The data files of a dataset directory, by name: Spark's and Hadoop's markers and checksums are not data. */
    public static List<Path> parquetFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".parquet") && !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
