package dev.veil.protocol.batch;

import dev.veil.protocol.receipt.ReceiptVerifier;

/**
 * The data provider's one receipt for a batch, signed by the driver's enclave instance: the contract, the model, the
 * dataset (its id and the SHA-256 of its {@link DatasetManifest}, the value {@code limits.dataset_sha256} pins), the
 * rows run (the dataset's every row, within the contract's {@code max_rows}), the number of partitions and the RFC 9162
 * Merkle root over the partition receipts in partition order ({@link BatchReceiptFile#merkleRoot}), so no partition can
 * be dropped, added, swapped or replaced by another run's.
 *
 * <p>Version 2 added {@code dataset_id}, {@code dataset_sha256} and {@code rows}; a version 1 receipt is refused.
 */
public record BatchReceipt(String contractHash, String modelSha256, String datasetId, String datasetSha256, long rows,
                           int partitions, String merkleRoot, String evidenceSha256, String issuedAt) {
    public static final String KIND = "veil.batch-receipt.v2";

    public BatchReceipt {
        if (partitions < 0) {
            throw new IllegalArgumentException("a batch has 0 or more partitions");
        }
        if (rows < 0) {
            throw new IllegalArgumentException("a batch runs 0 or more rows");
        }
    }

    ReceiptVerifier.CommonFields common() {
        return new ReceiptVerifier.CommonFields(contractHash, modelSha256, evidenceSha256, issuedAt);
    }
}
