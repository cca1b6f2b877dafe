package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Platform;
import dev.veil.cli.VeilCommand;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.provider.broker.BrokerMetrics;
import dev.veil.provider.broker.BrokerServer;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.BrokeredContract;
import dev.veil.provider.broker.KeyBroker;
import dev.veil.provider.broker.ReleaseAudit;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import dev.veil.spark.job.ExecutorInstance;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The batch commands as a user runs them, on embedded Spark (local mode: the executor is this JVM) with the providers'
 * real brokers on loopback: seal the data provider's .npz as encrypted Parquet, run MiniLM over it, verify the batch
 * receipt with 'veil verify-receipt', open the results with the data provider's identity.
 */
class BatchCommandsTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run launcher(String... args) {
        return run(SparkLauncher::commandLine, args);
    }

    private static Run run(java.util.function.Supplier<CommandLine> cliOf, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // 'veil verify-receipt' prints its JSON on System.out; a subcommand's default writer wraps the System.out of
        // the moment its command line is built, so it is built after the swap
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            CommandLine cli = cliOf.get();
            cli.setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
            int code = cli.execute(args);
            return new Run(code, out + printed.toString(java.nio.charset.StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(saved);
        }
    }

    private String broker(Identity id, AssetKey key, BrokerState state, SignedContract signed, List<AutoCloseable> open) throws Exception {
        KeyBroker b = KeyBroker.open(id, key, List.of(BrokeredContract.batch(
                        dev.veil.protocol.contract.ContractVerifier.verify(signed, Instant.now()), id.publicIdentity())),
                state, KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        BrokerServer s = BrokerServer.start(b, "127.0.0.1", 0, 2);
        open.add(s);
        open.add(b);
        return "http://127.0.0.1:" + s.port() + "/";
    }

    @Test
    void miniLmBatchEqualsPlainOnnxRuntimeRowByRow() throws Exception {
        Path models = Path.of(System.getProperty("veil.testdata.dir"), "models", "minilm");
        byte[] model = Files.readAllBytes(models.resolve("all-minilm-l6-v2-q.onnx"));
        Identity mp = Identity.generate("mp", KeyWrapSuite.MLKEM768_X25519);
        Identity dp = Identity.generate("dp", KeyWrapSuite.MLKEM768_X25519);
        IdentityFiles.writeSecret(dp, dir.resolve("dp.key"));
        IdentityFiles.writeSecret(mp, dir.resolve("mp.key"));
        SessionContract c = SessionContract.draft(OnnxSignatureReader.modelTerms(model, "minilm"), mp.publicIdentity(), dp.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of(Digests.hex(ExecutorInstance.measurement())), false, true),
                KeyWrapSuite.MLKEM768_X25519, OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(1)));
        SignedContract signed = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp);
        Files.write(dir.resolve("contract.json"), Json.canonical(signed));
        List<AutoCloseable> open = new ArrayList<>();
        try (AssetKey modelKey = AssetKey.generate()) {
            Files.write(dir.resolve("model.veil"), new Sealer().sealBytes(model, modelKey, ContentType.MODEL));
            String mpUrl = broker(mp, modelKey, BrokerState.open(dir.resolve("mp-state")), signed, open);
            BrokerState dpState = BrokerState.open(dir.resolve("dp-state"));
            ReleaseAudit.createMasterKey(dpState, "dataset");
            String dpUrl = broker(dp, null, dpState, signed, open);

            Run measure = launcher("batch", "measure");
            assertThat(measure.out().strip()).as(measure.err()).isEqualTo(Digests.hex(ExecutorInstance.measurement()));

            Run seal = launcher("seal", "--format", "parquet", "--in", models.resolve("sample-8x128.npz").toString(),
                    "--out", dir.resolve("data").toString(), "--broker", dpUrl, "--identity", dir.resolve("dp.key").toString(),
                    "--master-key", "dataset", "--rows-per-file", "3");
            assertThat(seal.exit()).as(seal.err()).isZero();
            assertThat(dir.resolve("data")).isDirectoryContaining("glob:**.parquet");

            Run batch = launcher("batch", "--contract", dir.resolve("contract.json").toString(), "--model", dir.resolve("model.veil").toString(),
                    "--data", dir.resolve("data").toString(), "--mp-broker", mpUrl, "--dp-broker", dpUrl,
                    "--out", dir.resolve("out").toString(), "--master", "local[2]", "--rows-per-run", "1");
            assertThat(batch.exit()).as(batch.err()).isZero();

            Run verify = run(VeilCommand::commandLine, "verify-receipt", "--receipt",
                    dir.resolve("out").resolve(BatchCommand.BATCH_RECEIPT).toString(), "--contract", dir.resolve("contract.json").toString());
            assertThat(verify.exit()).as(verify.err()).isZero();
            assertThat(verify.out()).contains("\"verified\" : true").contains("veil.batch-receipt.v1");
            Run discard = run(VeilCommand::commandLine, "verify-receipt", "--receipt",
                    dir.resolve("out").resolve("_veil-discard-receipt-0.json").toString(), "--contract", dir.resolve("contract.json").toString());
            assertThat(discard.exit()).as(discard.err()).isZero();

            Run stranger = launcher("batch", "open", "--in", dir.resolve("out").toString(), "--contract", dir.resolve("contract.json").toString(),
                    "--identity", dir.resolve("mp.key").toString(), "--out", dir.resolve("mp.npz").toString());
            assertThat(stranger.exit()).isEqualTo(2);
            assertThat(stranger.err()).contains("not the contract's data provider");
            assertThat(dir.resolve("mp.npz")).doesNotExist();

            Run opened = launcher("batch", "open", "--in", dir.resolve("out").toString(), "--contract", dir.resolve("contract.json").toString(),
                    "--identity", dir.resolve("dp.key").toString(), "--out", dir.resolve("results.npz").toString());
            assertThat(opened.exit()).as(opened.err()).isZero();

            NamedTensors got = Npz.read(Files.readAllBytes(dir.resolve("results.npz")), 1L << 30);
            NamedTensors inputs = Npz.read(Files.readAllBytes(models.resolve("sample-8x128.npz")), 1L << 30);
            try (ModelRunner plain = new ModelRunner(model, OnnxSignatureReader.read(model), 1, dir)) {
                List<NamedTensors> perRow = new ArrayList<>();
                for (long r = 0; r < 8; r++) {
                    List<Tensor> row = new ArrayList<>();
                    for (Tensor t : inputs.tensors()) {
                        row.add(t.rows(r, r + 1));
                    }
                    perRow.add(plain.run(new NamedTensors(row)));
                }
                for (String name : got.names()) {
                    Tensor want = Tensor.concatRows(perRow.stream().map(n -> n.get(name)).toList());
                    assertThat(got.get(name).data()).as(name).isEqualTo(want.data());
                }
            }

            Run again = launcher("batch", "open", "--in", dir.resolve("out").toString(), "--contract", dir.resolve("contract.json").toString(),
                    "--identity", dir.resolve("dp.key").toString(), "--out", dir.resolve("results.npz").toString());
            assertThat(again.exit()).isEqualTo(2);
            assertThat(again.err()).contains("exists");
        } finally {
            for (AutoCloseable a : open) {
                a.close();
            }
        }
    }
}
