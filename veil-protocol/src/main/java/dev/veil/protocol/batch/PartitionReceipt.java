package dev.veil.protocol.batch;

import dev.veil.protocol.receipt.ReceiptVerifier;

/**
 * What one enclave instance attests about one partition of a batch: under which contract and model it ran, which
 * partition, and salted commitments ({@link BatchCommitments}) to the partition's input and output rows. The salt
 * travels only inside the encrypted results, so the receipt holds nothing derived from the data provider's data
 * that anyone without the salt could test guesses against; no row count either (as {@code ResultReceipt}).
 */
public record PartitionReceipt(String contractHash, String modelSha256, int partition, String inputCommitment,
                               String outputCommitment, String evidenceSha256, String issuedAt) {
    public static final String KIND = "veil.batch-partition-receipt.v1";

    public PartitionReceipt {
        if (partition < 0) {
            throw new IllegalArgumentException("a partition number is 0 or more");
        }
    }

    ReceiptVerifier.CommonFields common() {
        return new ReceiptVerifier.CommonFields(contractHash, modelSha256, evidenceSha256, issuedAt);
    }
}
