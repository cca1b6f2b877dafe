package dev.veil.spark.job;

import dev.veil.enclave.evidence.SimEvidenceSource;
import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.batch.BatchReceipt;
import dev.veil.protocol.batch.BatchReceiptFile;
import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.receipt.SignedReceipt;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * The driver as an enclave instance: it holds no provider key, but it decides what code the executors run and
 * signs the data provider's batch receipt, so it runs in a TEE too (docs/SCALE-OUT.md) and its key is attested by
 * evidence of the same measurement as the executors'.
 */
final class DriverInstance implements AutoCloseable {
    private final ContractVerifier.Verified contract;
    private final InstanceKeyPairs keys;
    private final ReceiptKeys receipts;

    DriverInstance(ContractVerifier.Verified contract) throws IOException {
        this.contract = contract;
        this.keys = new InstanceKeyPairs(contract.contract().keyWrap());
        this.receipts = new ReceiptKeys(contract, keys, new SimEvidenceSource(ExecutorInstance.measurement(), false));
    }

    /** The batch receipt of {@code rows} rows of {@code dataset} over these partition receipts, in partition order. */
    BatchReceiptFile batchReceipt(DatasetManifest dataset, long rows, List<SignedReceipt> partitions) {
        BatchReceipt r = new BatchReceipt(contract.hashHex(), contract.contract().model().sha256(), dataset.datasetId(),
                dataset.sha256Hex(), rows, partitions.size(), BatchReceiptFile.merkleRoot(partitions), receipts.evidenceSha256(),
                Instant.now().toString());
        return new BatchReceiptFile(receipts.sign(BatchReceipt.KIND, r), partitions);
    }

    @Override
    public void close() {
        keys.close();
    }
}
