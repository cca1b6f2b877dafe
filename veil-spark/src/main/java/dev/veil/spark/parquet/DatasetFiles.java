package dev.veil.spark.parquet;

import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A data provider's dataset directory as the driver (and the data provider) read it: its manifest, and exactly the
 * files the manifest names. The files' binding to the manifest is checked where they are decrypted
 * ({@link BoundDatasetDecryption}); here a missing file or a stray one is refused by name before any key moves.
 */
public final class DatasetFiles {
    private DatasetFiles() {
    }

    /** The manifest of the dataset in a local directory (the data provider's own copy). */
    public static DatasetManifest manifest(java.nio.file.Path dir) throws IOException, ProtocolException {
        java.nio.file.Path file = dir.resolve(DatasetManifest.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new ProtocolException(dir + " holds no " + DatasetManifest.FILE_NAME + ": it is not a dataset 'veil seal --format"
                    + " parquet' wrote (or one sealed before datasets had manifests: seal it again)");
        }
        if (Files.size(file) > DatasetManifest.MAX_BYTES) {
            throw new ProtocolException(file + " is larger than a dataset manifest can be");
        }
        return DatasetManifest.parse(Files.readAllBytes(file));
    }

    /**
     * The manifest of the dataset at {@code dir} (any Hadoop file system), after checking that the directory holds each
     * file it names and no other Parquet file; and the paths of those files, in order.
     */
    public static Listed list(String dir, Configuration conf) throws IOException, ProtocolException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem(conf);
        Path manifestPath = new Path(root, DatasetManifest.FILE_NAME);
        if (!fs.isFile(manifestPath)) {
            throw new ProtocolException(dir + " holds no " + DatasetManifest.FILE_NAME + ": it is not a dataset 'veil seal --format"
                    + " parquet' wrote (or one sealed before datasets had manifests: seal it again)");
        }
        byte[] bytes;
        try (FSDataInputStream in = fs.open(manifestPath)) {
            bytes = readBounded(in);
        }
        DatasetManifest dataset = DatasetManifest.parse(bytes);
        Set<String> present = new HashSet<>();
        for (FileStatus s : fs.listStatus(root)) {
            String name = s.getPath().getName();
            if (name.endsWith(".parquet") && !name.startsWith(".") && !name.startsWith("_")) {
                int index = FileBinding.indexOf(name);
                if (index < 0 || index >= dataset.files()) {
                    throw new ProtocolException(dir + " holds " + name + ", which is not one of the " + dataset.files()
                            + " files its manifest names: the directory was altered or mixed with another dataset's");
                }
                if (!s.isFile() || s.isSymlink()) {
                    // a directory in a file's place would be read for the files inside it (DatasetFileReadTwiceAttackTest)
                    throw new ProtocolException(dir + " holds " + name + " as " + (s.isSymlink() ? "a link" : "a directory")
                            + ", not a file: the directory was altered");
                }
                present.add(name);
            }
        }
        List<String> files = new ArrayList<>();
        for (int f = 0; f < dataset.files(); f++) {
            String name = FileBinding.fileName(f);
            if (!present.contains(name)) {
                throw new ProtocolException(dir + " lacks " + name + ", one of the " + dataset.files()
                        + " files its manifest names: the dataset is incomplete");
            }
            files.add(new Path(root, name).toString());
        }
        return new Listed(dataset, files);
    }

    /** A dataset's manifest and its files' paths, in file order. */
    public record Listed(DatasetManifest dataset, List<String> files) {
        public Listed {
            files = List.copyOf(files);
        }
    }

    private static byte[] readBounded(InputStream in) throws IOException, ProtocolException {
        byte[] bytes = in.readNBytes(DatasetManifest.MAX_BYTES + 1);
        if (bytes.length > DatasetManifest.MAX_BYTES) {
            throw new ProtocolException("the dataset manifest is larger than " + DatasetManifest.MAX_BYTES + " bytes");
        }
        return bytes;
    }
}
