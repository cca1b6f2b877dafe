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
 * receipt's, every partition of the batch's dataset, their rows summing to the batch's rows, those within the
 * contract's {@code max_rows}, the dataset the contract pins (when it pins one), and the Merkle root recomputed over
 * the partitions equal to the one the batch receipt signs. Which dataset the data provider sealed is checked against
 * its own manifest by 'veil batch open' ({@link #requireDataset}).
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
        refuseVersion1(file);
        BatchReceipt batch = ReceiptVerifier.verifyKind(file.batch(), contract, at, BatchReceipt.KIND, BatchReceipt.class,
                BatchReceipt::common);
        if (batch.partitions() != file.partitions().size()) {
            throw new ProtocolException("the batch receipt counts " + batch.partitions() + " partitions, the file holds "
                    + file.partitions().size());
        }
        List<PartitionReceipt> parts = new ArrayList<>();
        long rows = 0;
        for (SignedReceipt signed : file.partitions()) {
            PartitionReceipt p = ReceiptVerifier.verifyKind(signed, contract, at, PartitionReceipt.KIND, PartitionReceipt.class,
                    PartitionReceipt::common);
            if (!parts.isEmpty() && p.partition() <= parts.get(parts.size() - 1).partition()) {
                throw new ProtocolException("partition receipt " + parts.size() + " is for partition " + p.partition()
                        + ": partitions are repeated or out of order");
            }
            if (!MessageDigest.isEqual(ascii(p.datasetId()), ascii(batch.datasetId()))) {
                throw new ProtocolException("partition " + p.partition() + " read dataset " + p.datasetId() + ", the batch receipt names "
                        + batch.datasetId() + ": a partition receipt of another dataset's run");
            }
            if (p.rows() > Long.MAX_VALUE - rows) {
                throw new ProtocolException("the partition receipts' rows overflow a 64-bit count");
            }
            rows += p.rows();
            parts.add(p);
        }
        if (rows != batch.rows()) {
            throw new ProtocolException("the partition receipts count " + rows + " rows, the batch receipt " + batch.rows());
        }
        if (batch.rows() > contract.contract().limits().maxRows()) {
            throw new ProtocolException("the batch ran " + batch.rows() + " rows, more than the contract's limits.max_rows "
                    + contract.contract().limits().maxRows());
        }
        String pinned = contract.contract().limits().datasetSha256();
        if (pinned != null && !MessageDigest.isEqual(ascii(pinned), ascii(batch.datasetSha256()))) {
            throw new ProtocolException("the batch ran on the dataset whose manifest has SHA-256 " + batch.datasetSha256()
                    + ", but the contract pins limits.dataset_sha256 " + pinned);
        }
        String root = BatchReceiptFile.merkleRoot(file.partitions());
        if (!MessageDigest.isEqual(root.getBytes(StandardCharsets.US_ASCII), batch.merkleRoot().getBytes(StandardCharsets.US_ASCII))) {
            throw new ProtocolException("the partition receipts hash to " + root + " but the batch receipt signs " + batch.merkleRoot()
                    + ": a partition receipt was replaced");
        }
        return new Verified(batch, parts);
    }

    /**
     * That a verified batch ran over the dataset the data provider sealed ({@code manifest}, from its own copy): the same
     * manifest (so the same id, files and rows) and every one of its rows.
     */
    public static void requireDataset(Verified verified, DatasetManifest manifest) throws ProtocolException {
        BatchReceipt b = verified.batch();
        if (!MessageDigest.isEqual(ascii(b.datasetId()), ascii(manifest.datasetId()))) {
            throw new ProtocolException("the batch ran on dataset " + b.datasetId() + ", not on the one you sealed ("
                    + manifest.datasetId() + "): these are another dataset's results");
        }
        if (!MessageDigest.isEqual(ascii(b.datasetSha256()), ascii(manifest.sha256Hex()))) {
            throw new ProtocolException("the batch ran on a dataset manifest with SHA-256 " + b.datasetSha256() + ", not on yours ("
                    + manifest.sha256Hex() + "): its files or rows differ from what you sealed");
        }
        if (b.rows() != manifest.totalRows()) {
            throw new ProtocolException("the batch ran " + b.rows() + " rows; you sealed " + manifest.totalRows());
        }
    }

    /** A version 1 batch receipt named no dataset and no rows: said plainly rather than as a kind mismatch. */
    private static void refuseVersion1(BatchReceiptFile file) throws ProtocolException {
        if ("veil.batch-receipt.v1".equals(file.batch().kind())) {
            throw new ProtocolException("this batch receipt is version 1 (veil.batch-receipt.v1), which names neither the dataset"
                    + " nor its rows; this version checks only " + BatchReceipt.KIND + ": run the batch again");
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
