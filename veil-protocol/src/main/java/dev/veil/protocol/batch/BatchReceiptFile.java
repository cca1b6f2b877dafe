package dev.veil.protocol.batch;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.translog.MerkleHash;
import dev.veil.protocol.translog.MerkleLog;
import java.util.List;

/**
 * A batch receipt as delivered to the data provider: the signed batch receipt and every signed partition receipt, in
 * partition order.
 */
public record BatchReceiptFile(SignedReceipt batch, List<SignedReceipt> partitions) {
    public BatchReceiptFile {
        if (batch == null || partitions == null) {
            throw new IllegalArgumentException("a batch receipt file holds the batch receipt and its partition receipts");
        }
        partitions = List.copyOf(partitions);
    }

    /**
     * The RFC 9162 Merkle tree hash over the partition receipts in order, each leaf the digest its instance signed
     * ({@link SignedReceipt#signingMessage}: kind and payload).
     */
    public static String merkleRoot(List<SignedReceipt> partitions) {
        MerkleLog tree = new MerkleLog();
        for (SignedReceipt p : partitions) {
            tree.append(MerkleHash.leaf(SignedReceipt.signingMessage(p.kind(), p.payload())));
        }
        return Digests.hex(tree.root(tree.size()));
    }
}
