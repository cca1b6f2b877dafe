package dev.veil.spark.cli;

import dev.veil.spark.parquet.EncryptedRows;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * 'veil batch --data' checked on the driver before Spark starts, when it is a local directory (a path, or a file: URL):
 * it must hold the Parquet files 'veil seal --format parquet' wrote. Another file system's URL (hdfs:, s3a:) is Spark's
 * to read, and its own error names a missing path.
 */
final class DatasetPreflight {
    private DatasetPreflight() {
    }

    static void check(String option, String data) throws UsageError, IOException {
        Path local = localPath(option, data);
        if (local == null) {
            return;
        }
        if (!Files.isDirectory(local)) {
            throw new UsageError(option + " " + data + " is not a directory; give the directory 'veil seal --format parquet' wrote");
        }
        if (EncryptedRows.parquetFiles(local).isEmpty()) {
            throw new UsageError(option + " " + data + " holds no Parquet files (*.parquet); give the directory 'veil seal --format"
                    + " parquet' wrote");
        }
    }

    /** The local directory {@code data} names, or null when it is another file system's URL. */
    private static Path localPath(String option, String data) throws UsageError {
        int colon = data.indexOf(':');
        int slash = data.indexOf('/');
        boolean hasScheme = colon > 1 && (slash < 0 || colon < slash);   // "C:" alone is a drive, not a scheme
        try {
            if (!hasScheme) {
                return Path.of(data);
            }
            URI u = new URI(data);
            return "file".equals(u.getScheme()) ? Path.of(u) : null;
        } catch (URISyntaxException | IllegalArgumentException e) {   // InvalidPathException is an IllegalArgumentException
            throw new UsageError(option + " " + data + " is neither a directory nor a URL Spark reads (file:, hdfs:, s3a:...)");
        }
    }
}
