package dev.veil.protocol.batch;

import dev.veil.protocol.receipt.ReceiptVerifier;

/**
 * The data provider's one receipt for a batch, signed by the driver's enclave instance: the contract, the model, the
 * number of partitions and the RFC 9162 Merkle root over the partition receipts in partition order
 * ({@link BatchReceiptFile#merkleRoot}), so no partition can be dropped, added, swapped or replaced by another run's.
 */
public record BatchReceipt(String contractHash, String modelSha256, int partitions, String merkleRoot, String evidenceSha256,
                           String issuedAt) {
    public static final String KIND = "veil.batch-receipt.v1";

    public BatchReceipt {
        if (partitions < 0) {
            throw new IllegalArgumentException("a batch has 0 or more partitions");
        }
    }

    ReceiptVerifier.CommonFields common() {
        return new ReceiptVerifier.CommonFields(contractHash, modelSha256, evidenceSha256, issuedAt);
    }
}
