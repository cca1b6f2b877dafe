package dev.veil.spark.job;

import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.batch.PartitionReceipt;
import dev.veil.protocol.receipt.FailureCode;
import java.util.List;

/**
 * The driver's count of a finished job, before it signs the batch receipt: the committed partitions' rows, summed,
 * must be every row of the dataset (no file skipped or read twice: Spark's readers could be told to skip a file that
 * fails to decrypt) and no more than the contract's {@code max_rows} (each instance stops at it alone; several
 * together could pass it).
 */
final class BatchTotals {
    private BatchTotals() {
    }

    /** The failure the job's totals make, or null when they are the dataset's and within the limit. */
    static FailureCode check(List<PartitionReceipt> partitions, DatasetManifest dataset, long maxRows) {
        long rows = 0;
        for (PartitionReceipt p : partitions) {
            if (!p.datasetId().equals(dataset.datasetId())) {
                return FailureCode.DATASET_INVALID;
            }
            rows += p.rows();
            if (rows > maxRows) {
                return FailureCode.LIMIT_EXCEEDED;
            }
        }
        return rows == dataset.totalRows() ? null : FailureCode.DATASET_INVALID;
    }

    static long rows(List<PartitionReceipt> partitions) {
        return partitions.stream().mapToLong(PartitionReceipt::rows).sum();
    }
}
