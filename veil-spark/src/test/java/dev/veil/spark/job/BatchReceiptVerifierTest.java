package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.enclave.evidence.SimEvidenceSource;
import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.batch.BatchReceiptFile;
import dev.veil.protocol.batch.BatchReceiptVerifier;
import dev.veil.protocol.batch.PartitionReceipt;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
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
    private static ContractVerifier.Verified contract;

    @BeforeAll
    static void contract() throws Exception {
        byte[] model = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
        Identity mp = Identity.generate("mp", KeyWrapSuite.MLKEM768_X25519);
        Identity dp = Identity.generate("dp", KeyWrapSuite.MLKEM768_X25519);
        byte[] m48 = new byte[48];
        System.arraycopy(MEASUREMENT, 0, m48, 0, 32);
        SessionContract c = SessionContract.draft(OnnxSignatureReader.modelTerms(model, "ocr"), mp.publicIdentity(), dp.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of(Digests.hex(m48)), false, true), KeyWrapSuite.MLKEM768_X25519,
                OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(1)));
        contract = ContractVerifier.verify(SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp),
                Instant.now());
    }

    private static ReceiptKeys instance(boolean pinned) throws Exception {
        byte[] m48 = new byte[48];
        System.arraycopy(MEASUREMENT, 0, m48, 0, 32);
        if (!pinned) {
            m48[47] = 1;
        }
        return new ReceiptKeys(contract, new InstanceKeyPairs(KeyWrapSuite.MLKEM768_X25519), new SimEvidenceSource(m48, false));
    }

    private static SignedReceipt partition(ReceiptKeys keys, int p, String outputCommitment) {
        return keys.sign(PartitionReceipt.KIND, new PartitionReceipt(contract.hashHex(), contract.contract().model().sha256(), p,
                "00".repeat(32), outputCommitment, keys.evidenceSha256(), Instant.now().toString()));
    }

    private static BatchReceiptFile batch(ReceiptKeys driver, List<SignedReceipt> partitions) {
        return new BatchReceiptFile(driver.sign(dev.veil.protocol.batch.BatchReceipt.KIND,
                new dev.veil.protocol.batch.BatchReceipt(contract.hashHex(), contract.contract().model().sha256(), partitions.size(),
                        BatchReceiptFile.merkleRoot(partitions), driver.evidenceSha256(), Instant.now().toString())), partitions);
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
}
