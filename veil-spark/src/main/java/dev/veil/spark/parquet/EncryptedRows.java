package dev.veil.spark.parquet;

import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.DecryptionPropertiesFactory;
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
     * {@code rowsPerFile} rows a file, so that a job can read them in parallel; the files are bound to nothing (the
     * results of a batch, a plaintext benchmark's copy). A data provider's dataset is written by {@link #writeDataset}.
     */
    public static void write(Path dir, List<byte[]> cells, int rowsPerFile, Configuration conf) throws IOException {
        PropertiesDrivenCryptoFactory crypto = new PropertiesDrivenCryptoFactory();
        List<List<byte[]>> files = split(cells, rowsPerFile);
        for (int f = 0; f < files.size(); f++) {
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve(FileBinding.fileName(f)).toUri());
            writeFile(file, files.get(f), f * (long) rowsPerFile, crypto.getFileEncryptionProperties(conf, file, null), conf);
        }
    }

    /**
     * Writes a data provider's dataset: {@code cells} as {@link #write} does, every file bound to a new random dataset id,
     * its index, the file count and its rows ({@link FileBinding}), and the dataset's manifest beside them
     * ({@link DatasetManifest#FILE_NAME}). Returns the manifest.
     */
    public static DatasetManifest writeDataset(Path dir, List<byte[]> cells, int rowsPerFile, Configuration conf) throws IOException {
        List<List<byte[]>> files = split(cells, rowsPerFile);
        DatasetManifest dataset = DatasetManifest.create(files.stream().map(f -> (long) f.size()).toList());
        writeBound(dir, files, dataset, conf);
        Files.write(dir.resolve(DatasetManifest.FILE_NAME), dataset.canonicalBytes(), StandardOpenOption.CREATE_NEW);
        return dataset;
    }

    /**
     * Writes {@code files} (file i's rows, numbered on from the previous files') bound to {@code dataset} as files 0, 1,
     * ... of it; writes no manifest.
     */
    public static void writeBound(Path dir, List<List<byte[]>> files, DatasetManifest dataset, Configuration conf) throws IOException {
        if (files.size() != dataset.files()) {
            throw new IllegalArgumentException("the manifest names " + dataset.files() + " files, not " + files.size());
        }
        PropertiesDrivenCryptoFactory crypto = new PropertiesDrivenCryptoFactory();
        long first = 0;
        for (int f = 0; f < files.size(); f++) {
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve(FileBinding.fileName(f)).toUri());
            FileEncryptionProperties encryption = FileBinding.encryption(crypto.getFileEncryptionProperties(conf, file, null),
                    FileBinding.aadPrefix(dataset, f));
            writeFile(file, files.get(f), first, encryption, conf);
            first += files.get(f).size();
        }
    }

    /** The cells in files of {@code rowsPerFile} rows; one empty file for no cells. */
    private static List<List<byte[]>> split(List<byte[]> cells, int rowsPerFile) {
        List<List<byte[]>> files = new ArrayList<>();
        for (int from = 0; from < cells.size(); from += rowsPerFile) {
            files.add(cells.subList(from, Math.min(cells.size(), from + rowsPerFile)));
        }
        if (files.isEmpty()) {
            files.add(List.of());
        }
        return files;
    }

    private static void writeFile(org.apache.hadoop.fs.Path file, List<byte[]> cells, long firstRow, FileEncryptionProperties encryption,
                                  Configuration conf) throws IOException {
        SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
                .withConf(conf).withType(SCHEMA).withEncryption(encryption)
                // as ParquetCrypto.SIZE_OF_VALUES_HIDDEN: the file's size follows the cells' lengths, not their values
                .withCompressionCodec(CompressionCodecName.UNCOMPRESSED).withDictionaryEncoding(false)
                .withStatisticsEnabled(false).withSizeStatisticsEnabled(false)
                .withPageSize(ParquetCrypto.PAGE_BYTES).withWriteMode(ParquetFileWriter.Mode.CREATE).build()) {
            for (int r = 0; r < cells.size(); r++) {
                w.write(groups.newGroup().append(ROW, firstRow + r).append(TENSORS, Binary.fromConstantByteArray(cells.get(r))));
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
        return read(parquetFiles(dir), conf, new PropertiesDrivenCryptoFactory(), record);
    }

    /**
     * Every row of the data provider's dataset in {@code dir}, decrypted, in ascending {@code row} order: its manifest's
     * files, each only if it is bound to its place in that dataset ({@link BoundDatasetDecryption}, registered here for
     * the key service {@code conf} names), in the calling thread, outside any Spark task. Package-private: it registers
     * the name as readable outside tasks, so only this package's own code (and its tests) may read so.
     */
    static List<Row> readDataset(Path dir, Configuration conf) throws IOException, ProtocolException {
        DatasetManifest dataset = DatasetFiles.manifest(dir);
        String name = conf.get(org.apache.parquet.crypto.keytools.KeyToolkit.KMS_INSTANCE_URL_PROPERTY_NAME);
        List<Path> files = new ArrayList<>();
        for (int f = 0; f < dataset.files(); f++) {
            files.add(dir.resolve(FileBinding.fileName(f)));
        }
        BoundDatasetDecryption.registerOutsideTasks(name, dataset,
                files.stream().map(p -> new org.apache.hadoop.fs.Path(p.toUri()).toString()).toList());
        try {
            List<Row> rows = read(files, conf, new BoundDatasetDecryption(),
                    g -> new Row(g.getLong(ROW, 0), g.getBinary(TENSORS, 0).getBytes()));
            rows.sort((a, b) -> Long.compare(a.index(), b.index()));
            return rows;
        } finally {
            BoundDatasetDecryption.unregister(name);
        }
    }

    /** A file that is not encrypted with an encrypted footer, as every file Veil writes is. */
    public static final class NotEncrypted extends IOException {
        private static final long serialVersionUID = 1L;

        NotEncrypted(Path file) {
            super(file + " is not an encrypted Parquet file, as every file of a Veil dataset or of a Veil job's results is");
        }
    }

    /**
     * Every record of {@code files}, decrypted, as {@code record} reads it. A file that is not encrypted is refused
     * ({@link NotEncrypted}), whatever {@code crypto} allows: Parquet's properties-driven factory lets plaintext files
     * through, and a plaintext file needs no key, so whoever writes one in a directory of results would have it read
     * without the broker's say (a revoked instance's rows, say).
     */
    private static <T> List<T> read(List<Path> files, Configuration conf, DecryptionPropertiesFactory crypto,
                                    java.util.function.Function<Group, T> record) throws IOException {
        List<T> rows = new ArrayList<>();
        for (Path p : files) {
            requireEncryptedFooter(p);
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(p.toUri());
            FileDecryptionProperties decryption = strict(crypto.getFileDecryptionProperties(conf, file), p);
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), file).withConf(conf)
                    .withDecryption(decryption).build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    rows.add(record.apply(g));
                }
            }
        }
        return rows;
    }

    /**
     * {@code given}'s key retriever and AAD prefix, without leave to read plaintext files: Parquet then refuses one, should
     * it replace the file checked before. (Veil's decryption properties carry nothing else.)
     */
    private static FileDecryptionProperties strict(FileDecryptionProperties given, Path file) throws NotEncrypted {
        if (given == null || given.getKeyRetriever() == null) {
            throw new NotEncrypted(file);
        }
        FileDecryptionProperties.Builder b = FileDecryptionProperties.builder().withKeyRetriever(given.getKeyRetriever());
        if (given.getAADPrefix() != null) {
            b.withAADPrefix(given.getAADPrefix());
        }
        return b.build();
    }

    /** The footer magic of a Parquet file with an encrypted footer, which is how Veil writes every file. */
    private static final byte[] ENCRYPTED_FOOTER_MAGIC = {'P', 'A', 'R', 'E'};

    private static void requireEncryptedFooter(Path file) throws IOException {
        try (java.nio.channels.SeekableByteChannel c = Files.newByteChannel(file)) {
            long size = c.size();
            java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate(ENCRYPTED_FOOTER_MAGIC.length);
            if (size >= tail.capacity()) {
                c.position(size - tail.capacity());
                while (tail.hasRemaining() && c.read(tail) >= 0) {
                    // reads the last bytes whole
                }
            }
            if (tail.hasRemaining() || !java.util.Arrays.equals(tail.array(), ENCRYPTED_FOOTER_MAGIC)) {
                throw new NotEncrypted(file);
            }
        }
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
