package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Platform;
import dev.veil.enclave.inference.ModelRunner;
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
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import dev.veil.spark.broker.BrokerClient;
import dev.veil.spark.broker.ProviderDataKeys;
import dev.veil.spark.parquet.DataKeyServices;
import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.spark.parquet.ParquetCrypto;
import dev.veil.spark.parquet.RowCells;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The confidential batch on a Spark local-cluster: executors are separate JVMs, each attested to both brokers. */
class BatchOnLocalClusterTest {
    private static final int ROWS = 37;

    @Test
    void ocrOutputEqualsPlainOnnxRuntimeAndOnlyCiphertextLeavesTheExecutors(@TempDir Path tmp) throws Exception {
        byte[] model = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
        try (Identity mp = Identity.generate("mp", KeyWrapSuite.MLKEM768_X25519);
             Identity dp = Identity.generate("dp", KeyWrapSuite.MLKEM768_X25519);
             AssetKey modelKey = AssetKey.generate()) {
            SessionContract c = SessionContract.draft(OnnxSignatureReader.modelTerms(model, "ocr"), mp.publicIdentity(),
                    dp.publicIdentity(), new EnclavePolicy(Platform.SIM, List.of(Digests.hex(ExecutorInstance.measurement())), false, true),
                    KeyWrapSuite.MLKEM768_X25519, OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(1)));
            SignedContract signed = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp);
            ContractVerifier.Verified verified = ContractVerifier.verify(signed, Instant.now());
            NamedTensors rows = rows(model);
            try (TestBroker mpBroker = new TestBroker(verified, Role.MODEL_PROVIDER, mp, modelKey);
                 TestBroker dpBroker = new TestBroker(verified, Role.DATA_PROVIDER, dp, null)) {
                Path data = Files.createDirectories(tmp.resolve("data"));
                DataKeyServices.register(dpBroker.url(), new ProviderDataKeys(new BrokerClient(dpBroker.url()), dp, dp.publicIdentity()));
                EncryptedRows.write(data, RowCells.split(rows), 10, ParquetCrypto.apply(new Configuration(), dpBroker.url()));
                DataKeyServices.unregister(dpBroker.url());

                Path out = tmp.resolve("out");
                BatchTerms terms = new BatchTerms("job-" + System.nanoTime(), Json.canonical(signed),
                        new Sealer().sealBytes(model, modelKey, ContentType.MODEL), mpBroker.url(), dpBroker.url(), 4);
                try (SparkSession spark = SparkCluster.start("ocr", tmp.resolve("events"))) {
                    BatchJob.run(spark, terms, data.toUri().toString(), out.toUri().toString());
                }
                assertThat(mpBroker.releases.get()).isEqualTo(2); // one instance per executor JVM
                assertThat(dpBroker.releases.get()).isEqualTo(2);

                String opener = dpBroker.url() + "/owner";
                DataKeyServices.register(opener, dpBroker.ownerKeys());
                List<EncryptedRows.Row> results = EncryptedRows.readAll(out, ParquetCrypto.apply(new Configuration(), opener));
                assertThat(results).extracting(EncryptedRows.Row::index).containsExactlyElementsOf(
                        java.util.stream.LongStream.range(0, ROWS).boxed().toList());
                NamedTensors got = RowCells.join(results.stream().map(EncryptedRows.Row::cell).toList());
                try (ModelRunner plain = new ModelRunner(model, OnnxSignatureReader.read(model), 1, tmp)) {
                    NamedTensors want = plain.run(rows);
                    assertThat(got.names()).isEqualTo(want.names());
                    for (String name : want.names()) {
                        assertThat(got.get(name).data()).as(name).isEqualTo(want.get(name).data());
                    }
                }
            }
        }
    }

    private static NamedTensors rows(byte[] model) throws Exception {
        var input = OnnxSignatureReader.read(model).inputs().get(0);
        long[] shape = input.shape().stream().mapToLong(d -> d instanceof dev.veil.protocol.contract.Dim.Fixed f ? f.size() : ROWS).toArray();
        shape[0] = ROWS;
        float[] v = new float[Math.toIntExact(Tensor.elementCount(shape))];
        Random r = new Random(7);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        return NamedTensors.of(Tensor.ofFloats(input.name(), shape, v));
    }
}
