package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.batch.PartitionReceipt;
import dev.veil.protocol.receipt.FailureCode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The driver's totals: each instance stops at max_rows alone, so instances together may pass it; and Spark can be
 * told to skip a file that fails to decrypt, so the partitions may not cover the dataset. No receipt for either.
 */
class BatchTotalsTest {
    private static final DatasetManifest DATASET = DatasetManifest.create(List.of(8L, 8L));

    private static PartitionReceipt part(String datasetId, int p, long rows) {
        return new PartitionReceipt("00".repeat(32), "11".repeat(32), datasetId, p, rows, "22".repeat(32), "33".repeat(32),
                "44".repeat(32), "2026-12-02T00:00:00Z");
    }

    @Test
    void everyRowOfTheDatasetWithinMaxRowsPasses() {
        assertThat(BatchTotals.check(List.of(part(DATASET.datasetId(), 0, 8), part(DATASET.datasetId(), 1, 8)), DATASET, 16)).isNull();
    }

    @Test
    void partitionsOfSeveralInstancesPastMaxRowsTogetherGetNoReceipt() {
        // two instances of 8 rows each, each within a limit of 10
        assertThat(BatchTotals.check(List.of(part(DATASET.datasetId(), 0, 8), part(DATASET.datasetId(), 1, 8)), DATASET, 10))
                .isEqualTo(FailureCode.LIMIT_EXCEEDED);
    }

    @Test
    void aSkippedFilesRowsMissingFromTheTotalGetNoReceipt() {
        assertThat(BatchTotals.check(List.of(part(DATASET.datasetId(), 0, 8)), DATASET, 100)).isEqualTo(FailureCode.DATASET_INVALID);
    }

    @Test
    void aPartitionOfAnotherDatasetGetsNoReceipt() {
        assertThat(BatchTotals.check(List.of(part(DATASET.datasetId(), 0, 8), part("ab".repeat(16), 1, 8)), DATASET, 100))
                .isEqualTo(FailureCode.DATASET_INVALID);
    }
}
