package dev.veil.spark.job;

import dev.veil.spark.TestModelTerms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.protocol.batch.DatasetManifest;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.receipt.FailureCode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import org.junit.jupiter.api.Test;

/**
 * Attack: a hostile model makes Spark run one of its tasks on an executor that holds no instance of the job (the model
 * fails on the data, and the retry lands on another executor; or it runs slowly, and a speculative copy does), which
 * then attests: one more release in the model provider's broker record, and one more discard receipt, because of what
 * the model did with the data provider's rows. An executor now attests only in the job's attestation stage, before
 * any row is read: given a partition without an instance of the job, it fails the partition with
 * {@code instance_not_attested} and asks neither broker.
 */
class TaskOnAnExecutorThatDidNotAttestAttackTest {
    @Test
    void aPartitionOnAnExecutorWithoutTheJobsInstanceFailsWithoutAskingEitherBroker() throws Exception {
        try (ServerSocket mp = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
             ServerSocket dp = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            BatchTerms terms = new BatchTerms("job-" + System.nanoTime(), Json.canonical(contract()),
                    new Sealer().sealBytes(model(), AssetKey.generate(), ContentType.MODEL),
                    "http://127.0.0.1:" + mp.getLocalPort() + "/", "http://127.0.0.1:" + dp.getLocalPort() + "/", "dataset", 1);
            PartitionInference inference = new PartitionInference(terms.jobId(), DatasetManifest.create(List.of(1L)),
                    List.of("file:/data/part-00000.parquet"), null);
            List<Row> rows = List.of(RowFactory.create(0L, new byte[] {1}));

            assertThatThrownBy(() -> inference.call(rows.iterator()))
                    .isInstanceOfSatisfying(PartitionFailure.class,
                            f -> assertThat(PartitionFailure.codeIn(f)).isEqualTo(FailureCode.INSTANCE_NOT_ATTESTED));
            assertThat(connected(mp)).as("the model provider's broker was asked").isFalse();
            assertThat(connected(dp)).as("the data provider's broker was asked").isFalse();
        }
    }

    /** A batch contract both providers signed, whose brokers would release to this JVM's instance if it asked. */
    private static SignedContract contract() throws Exception {
        Identity mp = Identity.generate("mp", KeyWrapSuite.X25519);
        Identity dp = Identity.generate("dp", KeyWrapSuite.X25519);
        SessionContract c = SessionContract.draft(TestModelTerms.of(model(), "ocr"), mp.publicIdentity(),
                dp.publicIdentity(), new EnclavePolicy(Platform.SIM, List.of(Digests.hex(ExecutorInstance.measurement())), false, true),
                KeyWrapSuite.X25519, OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(1))).withMaxInstances(4);
        return SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp);
    }

    private static byte[] model() throws Exception {
        return Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
    }

    /** Whether anyone connected to {@code broker} (a connection made before would be waiting in its backlog). */
    private static boolean connected(ServerSocket broker) throws Exception {
        broker.setSoTimeout(200);
        try (var s = broker.accept()) {
            return true;
        } catch (SocketTimeoutException none) {
            return false;
        }
    }
}
