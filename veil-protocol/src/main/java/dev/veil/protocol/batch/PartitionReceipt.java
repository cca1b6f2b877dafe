package dev.veil.protocol.batch;

import dev.veil.protocol.receipt.ReceiptVerifier;

/**
 * What one enclave instance attests about one partition of a batch: under which contract and model it ran, which
 * partition, which dataset it read (the {@link DatasetManifest}'s id, which every file it decrypted was bound to),
 * how many rows, and salted commitments ({@link BatchCommitments}) to the partition's input and output rows. The salt
 * travels only inside the encrypted results, so the receipt holds nothing derived from the data provider's values
 * that anyone without the salt could test guesses against. The row count is no more than whoever stores the files
 * sees (docs/SCALE-OUT.md, trust model); the driver sums the counts against the contract's {@code max_rows}.
 *
 * <p>Version 2 added {@code dataset_id} and {@code rows}; a version 1 receipt (which named no dataset) is refused.
 */
public record PartitionReceipt(String contractHash, String modelSha256, String datasetId, int partition, long rows,
                               String inputCommitment, String outputCommitment, String evidenceSha256, String issuedAt) {
    public static final String KIND = "veil.batch-partition-receipt.v2";

    public PartitionReceipt {
        if (partition < 0) {
            throw new IllegalArgumentException("a partition number is 0 or more");
        }
        if (rows < 1) {
            throw new IllegalArgumentException("a partition receipt covers 1 row or more (a partition of none has no receipt)");
        }
    }

    ReceiptVerifier.CommonFields common() {
        return new ReceiptVerifier.CommonFields(contractHash, modelSha256, evidenceSha256, issuedAt);
    }
}
