package dev.veil.spark.job;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.spark.parquet.DatasetFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.hadoop.conf.Configuration;

/**
 * The driver's checks of the data provider's dataset against the contract, before any key moves (no executor has
 * attested yet): its manifest and exactly the files it names ({@link DatasetFiles}), the manifest's SHA-256 equal to
 * {@code limits.dataset_sha256} when the contract pins one, and its rows within {@code limits.max_rows}. The executors
 * then decrypt only files bound to this manifest, and count the rows they read.
 */
final class DatasetAdmission {
    private DatasetAdmission() {
    }

    static DatasetFiles.Listed admit(ContractVerifier.Verified contract, String dataDir, Configuration conf)
            throws IOException, ProtocolException {
        DatasetFiles.Listed listed = DatasetFiles.list(dataDir, conf);
        SessionLimits limits = contract.contract().limits();
        String digest = listed.dataset().sha256Hex();
        if (limits.datasetSha256() != null && !MessageDigest.isEqual(limits.datasetSha256().getBytes(StandardCharsets.US_ASCII),
                digest.getBytes(StandardCharsets.US_ASCII))) {
            throw new ProtocolException("the dataset's manifest has SHA-256 " + digest + " but the contract pins limits.dataset_sha256 "
                    + limits.datasetSha256() + ": give the pinned dataset (nothing was run)");
        }
        if (listed.dataset().totalRows() > limits.maxRows()) {
            throw new ProtocolException("the dataset has " + listed.dataset().totalRows() + " rows, more than the contract's"
                    + " limits.max_rows " + limits.maxRows() + " (nothing was run)");
        }
        return listed;
    }
}
