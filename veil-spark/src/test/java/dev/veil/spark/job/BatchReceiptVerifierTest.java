package dev.veil.spark.job;

import dev.veil.spark.TestModelTerms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.enclave.evidence.SimEvidenceSource;
import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.batch.BatchReceipt;
import dev.veil.protocol.batch.BatchReceiptFile;
import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.batch.BatchReceiptVerifier;
import dev.veil.protocol.batch.PartitionReceipt;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.receipt.SignedReceipt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The batch receipt's checks, each against the attack it stops (no Spark: the instances sign directly). */
class BatchReceiptVerifierTest {
    private static final byte[] MEASUREMENT = Digests.sha256("executor build".getBytes());
    /** The dataset the partitions read: two files of 2 rows. */
    private static final DatasetManifest DATASET = DatasetManifest.create(List.of(2L, 2L));
    private static ContractVerifier.Verified contract;

    @BeforeAll
    static void contract() throws Exception {
        contract = contract(SessionLimits.defaults());
    }

    private static ContractVerifier.Verified contract(SessionLimits limits) throws Exception {
        byte[] model = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
        Identity mp = Identity.generate("mp", KeyWrapSuite.MLKEM768_X25519);
        Identity dp = Identity.generate("dp", KeyWrapSuite.MLKEM768_X25519);
        byte[] m48 = new byte[48];
        System.arraycopy(MEASUREMENT, 0, m48, 0, 32);
        SessionContract c = SessionContract.draft(TestModelTerms.of(model, "ocr"), mp.publicIdentity(), dp.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of(Digests.hex(m48)), false, true), KeyWrapSuite.MLKEM768_X25519,
                OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(1)), limits);
        return ContractVerifier.verify(SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp),
                Instant.now());
    }

    private static ReceiptKeys instance(boolean pinned) throws Exception {
        return instance(contract, pinned);
    }

    private static ReceiptKeys instance(ContractVerifier.Verified contract, boolean pinned) throws Exception {
        byte[] m48 = new byte[48];
        System.arraycopy(MEASUREMENT, 0, m48, 0, 32);
        if (!pinned) {
            m48[47] = 1;
        }
        return new ReceiptKeys(contract, new InstanceKeyPairs(KeyWrapSuite.MLKEM768_X25519), new SimEvidenceSource(m48, false));
    }

    private static SignedReceipt partition(ReceiptKeys keys, int p, String outputCommitment) {
        return partition(contract, keys, DATASET, p, 2, outputCommitment);
    }

    private static SignedReceipt partition(ContractVerifier.Verified contract, ReceiptKeys keys, DatasetManifest dataset, int p,
                                           long rows, String outputCommitment) {
        return keys.sign(PartitionReceipt.KIND, new PartitionReceipt(contract.hashHex(), contract.contract().model().sha256(),
                dataset.datasetId(), p, rows, "00".repeat(32), outputCommitment, keys.evidenceSha256(), Instant.now().toString()));
    }

    private static BatchReceiptFile batch(ReceiptKeys driver, List<SignedReceipt> partitions) {
        return batch(contract, driver, DATASET, 2L * partitions.size(), partitions);
    }

    private static BatchReceiptFile batch(ContractVerifier.Verified contract, ReceiptKeys driver, DatasetManifest dataset, long rows,
                                          List<SignedReceipt> partitions) {
        return new BatchReceiptFile(driver.sign(BatchReceipt.KIND,
                new BatchReceipt(contract.hashHex(), contract.contract().model().sha256(), dataset.datasetId(), dataset.sha256Hex(), rows,
                        partitions.size(), BatchReceiptFile.merkleRoot(partitions), driver.evidenceSha256(), Instant.now().toString())),
                partitions);
    }

    @Test
    void aBatchOfAttestedInstancesVerifies() throws Exception {
        ReceiptKeys a = instance(true);
        ReceiptKeys b = instance(true);
        BatchReceiptFile file = batch(instance(true), List.of(partition(a, 0, "11".repeat(32)), partition(b, 1, "22".repeat(32))));
        BatchReceiptFile parsed = Json.parse(Json.canonical(file), BatchReceiptFile.class, "batch receipt");
        assertThat(BatchReceiptVerifier.verify(parsed, contract, Instant.now()).partitions()).hasSize(2);
    }

    @Test
    void anotherRunsPartitionReceiptCannotReplaceOne() throws Exception {
        ReceiptKeys a = instance(true);
        BatchReceiptFile signed = batch(instance(true), List.of(partition(a, 0, "11".repeat(32)), partition(a, 1, "22".repeat(32))));
        // a genuine receipt for partition 1 from another run (another output): attested, well-formed, but not this batch's
        List<SignedReceipt> swapped = new ArrayList<>(signed.partitions());
        swapped.set(1, partition(instance(true), 1, "33".repeat(32)));
        assertThatThrownBy(() -> BatchReceiptVerifier.verify(new BatchReceiptFile(signed.batch(), swapped), contract, Instant.now()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("replaced");
    }

    @Test
    void aDroppedPartitionIsRefused() throws Exception {
        ReceiptKeys a = instance(true);
        BatchReceiptFile signed = batch(instance(true), List.of(partition(a, 0, "11".repeat(32)), partition(a, 1, "22".repeat(32))));
        assertThatThrownBy(() -> BatchReceiptVerifier.verify(new BatchReceiptFile(signed.batch(), signed.partitions().subList(0, 1)),
                contract, Instant.now())).isInstanceOf(ProtocolException.class).hasMessageContaining("counts 2 partitions");
    }

    @Test
    void partitionsOutOfOrderAreRefused() throws Exception {
        ReceiptKeys a = instance(true);
        // signed over the swapped order, so only the numbering check can catch it
        BatchReceiptFile signed = batch(instance(true), List.of(partition(a, 1, "22".repeat(32)), partition(a, 0, "11".repeat(32))));
        assertThatThrownBy(() -> BatchReceiptVerifier.verify(signed, contract, Instant.now()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("out of order");
    }

    @Test
    void aPartitionSignedByAnUnpinnedInstanceIsRefused() throws Exception {
        BatchReceiptFile signed = batch(instance(true), List.of(partition(instance(false), 0, "11".repeat(32))));
        assertThatThrownBy(() -> BatchReceiptVerifier.verify(signed, contract, Instant.now()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("not attested");
    }

    @Test
    void aBatchReceiptSignedByAnUnpinnedDriverIsRefused() throws Exception {
        BatchReceiptFile signed = batch(instance(false), List.of(partition(instance(true), 0, "11".repeat(32))));
        assertThatThrownBy(() -> BatchReceiptVerifier.verify(signed, contract, Instant.now()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("not attested");
    }

    @Test
    void aPartitionReceiptOfAnotherDatasetsRunIsRefused() throws Exception {
        ReceiptKeys a = instance(true);
        DatasetManifest other = DatasetManifest.create(List.of(2L, 2L));
        // signed into the root by a driver that took it: only the dataset check catches it
        BatchReceiptFile signed = batch(instance(true), List.of(partition(a, 0, "11".repeat(32)),
                partition(contract, a, other, 1, 2, "22".repeat(32))));
        assertThatThrownBy(() -> BatchReceiptVerifier.verify(signed, contract, Instant.now()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("another dataset");
    }

    @Test
    void aBatchReceiptClaimingMoreRowsThanItsPartitionsRanIsRefused() throws Exception {
        ReceiptKeys a = instance(true);
        List<SignedReceipt> parts = List.of(partition(a, 0, "11".repeat(32)));
        BatchReceiptFile signed = batch(contract, instance(true), DATASET, 4, parts);
        assertThatThrownBy(() -> BatchReceiptVerifier.verify(signed, contract, Instant.now()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("count 2 rows, the batch receipt 4");
    }

    @Test
    void aBatchOfMoreRowsThanTheContractsMaxRowsIsRefused() throws Exception {
        ContractVerifier.Verified three = contract(SessionLimits.defaults().withMaxRows(3));
        ReceiptKeys a = instance(three, true);
        List<SignedReceipt> parts = List.of(partition(three, a, DATASET, 0, 2, "11".repeat(32)),
                partition(three, a, DATASET, 1, 2, "22".repeat(32)));
        BatchReceiptFile signed = batch(three, instance(three, true), DATASET, 4, parts);
        assertThatThrownBy(() -> BatchReceiptVerifier.verify(signed, three, Instant.now()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("limits.max_rows 3");
    }

    @Test
    void aBatchOverAnotherDatasetThanThePinnedOneIsRefused() throws Exception {
        ContractVerifier.Verified pinned = contract(SessionLimits.defaults().withDatasetSha256(DATASET.sha256Hex()));
        DatasetManifest other = DatasetManifest.create(List.of(2L, 2L));
        ReceiptKeys a = instance(pinned, true);
        BatchReceiptFile genuine = batch(pinned, instance(pinned, true), DATASET, 2, List.of(partition(pinned, a, DATASET, 0, 2, "11".repeat(32))));
        assertThat(BatchReceiptVerifier.verify(genuine, pinned, Instant.now()).batch().datasetId()).isEqualTo(DATASET.datasetId());
        BatchReceiptFile signed = batch(pinned, instance(pinned, true), other, 2, List.of(partition(pinned, a, other, 0, 2, "11".repeat(32))));
        assertThatThrownBy(() -> BatchReceiptVerifier.verify(signed, pinned, Instant.now()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("pins limits.dataset_sha256");
    }

    @Test
    void resultsOfAnotherDatasetOrOfFewerRowsDoNotMatchWhatTheDataProviderSealed() throws Exception {
        ReceiptKeys a = instance(true);
        BatchReceiptVerifier.Verified whole = BatchReceiptVerifier.verify(batch(instance(true), List.of(partition(a, 0, "11".repeat(32)),
                partition(a, 1, "22".repeat(32)))), contract, Instant.now());
        BatchReceiptVerifier.requireDataset(whole, DATASET);
        assertThatThrownBy(() -> BatchReceiptVerifier.requireDataset(whole, DatasetManifest.create(List.of(2L, 2L))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("not on the one you sealed");
        // a manifest of the same id edited to fewer files: the batch's manifest is not the data provider's
        DatasetManifest edited = new DatasetManifest(DatasetManifest.KIND, DATASET.datasetId(), List.of(2L));
        assertThatThrownBy(() -> BatchReceiptVerifier.requireDataset(whole, edited))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("differ from what you sealed");
    }

    @Test
    void aVersion1BatchReceiptIsRefusedAsSuch() throws Exception {
        ReceiptKeys driver = instance(true);
        BatchReceiptFile v1 = new BatchReceiptFile(driver.sign("veil.batch-receipt.v1", java.util.Map.of("partitions", 0)), List.of());
        assertThatThrownBy(() -> BatchReceiptVerifier.verify(v1, contract, Instant.now()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("version 1");
    }
}
