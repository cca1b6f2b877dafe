package dev.veil.protocol.batch;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.SignedReceipt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a batch receipt offline: the batch receipt and every partition receipt as any receipt is checked (signature,
 * an instance key attested for this contract, model, dates), the partitions in increasing order (a partition of no
 * rows has no receipt; missing rows are caught when the results are opened, in input order), their count the batch
 * receipt's, and the Merkle root recomputed over them equal to the one the batch receipt signs.
 */
public final class BatchReceiptVerifier {
    /** The checked receipts. */
    public record Verified(BatchReceipt batch, List<PartitionReceipt> partitions) {
        public Verified {
            partitions = List.copyOf(partitions);
        }
    }

    private BatchReceiptVerifier() {
    }

    public static Verified verify(BatchReceiptFile file, ContractVerifier.Verified contract, Instant at) throws ProtocolException {
        BatchReceipt batch = ReceiptVerifier.verifyKind(file.batch(), contract, at, BatchReceipt.KIND, BatchReceipt.class,
                BatchReceipt::common);
        if (batch.partitions() != file.partitions().size()) {
            throw new ProtocolException("the batch receipt counts " + batch.partitions() + " partitions, the file holds "
                    + file.partitions().size());
        }
        List<PartitionReceipt> parts = new ArrayList<>();
        for (SignedReceipt signed : file.partitions()) {
            PartitionReceipt p = ReceiptVerifier.verifyKind(signed, contract, at, PartitionReceipt.KIND, PartitionReceipt.class,
                    PartitionReceipt::common);
            if (!parts.isEmpty() && p.partition() <= parts.get(parts.size() - 1).partition()) {
                throw new ProtocolException("partition receipt " + parts.size() + " is for partition " + p.partition()
                        + ": partitions are repeated or out of order");
            }
            parts.add(p);
        }
        String root = BatchReceiptFile.merkleRoot(file.partitions());
        if (!MessageDigest.isEqual(root.getBytes(StandardCharsets.US_ASCII), batch.merkleRoot().getBytes(StandardCharsets.US_ASCII))) {
            throw new ProtocolException("the partition receipts hash to " + root + " but the batch receipt signs " + batch.merkleRoot()
                    + ": a partition receipt was replaced");
        }
        return new Verified(batch, parts);
    }
}
