package dev.veil.spark.cli;

import dev.veil.spark.TestModelTerms;
import dev.veil.attest.Platform;
import dev.veil.cli.VeilCommand;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
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
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * Both providers of a batch contract for one model, as files in {@code dir} (identities, the signed contract pinning
 * this build's executor measurement, the sealed model) with their real brokers on loopback: the model provider's
 * releasing the model key, the data provider's serving master key "dataset".
 */
final class Parties implements AutoCloseable {
    record Run(int exit, String out, String err) {
    }

    final Path dir;
    final String mpUrl;
    final String dpUrl;
    /** The model provider's broker: its release record counts the instances that received the model key. */
    KeyBroker mpBroker;
    private final List<AutoCloseable> open = new ArrayList<>();

    Parties(Path dir, byte[] model) throws Exception {
        this.dir = dir;
        Identity mp = Identity.generate("mp", KeyWrapSuite.MLKEM768_X25519);
        Identity dp = Identity.generate("dp", KeyWrapSuite.MLKEM768_X25519);
        IdentityFiles.writeSecret(dp, dir.resolve("dp.key"));
        IdentityFiles.writeSecret(mp, dir.resolve("mp.key"));
        SessionContract c = SessionContract.draft(TestModelTerms.of(model, "model"), mp.publicIdentity(), dp.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of(Digests.hex(ExecutorInstance.measurement())), false, true),
                KeyWrapSuite.MLKEM768_X25519, OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(1))).withMaxInstances(4);
        SignedContract signed = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp);
        Files.write(dir.resolve("contract.json"), Json.canonical(signed));
        ContractVerifier.Verified verified = ContractVerifier.verify(signed, Instant.now());
        AssetKey modelKey = AssetKey.generate();
        Files.write(dir.resolve("model.veil"), new Sealer().sealBytes(model, modelKey, ContentType.MODEL));
        mpUrl = broker(mp, modelKey, BrokerState.open(dir.resolve("mp-state")), verified);
        BrokerState dpState = BrokerState.open(dir.resolve("dp-state"));
        ReleaseAudit.createMasterKey(dpState, "dataset");
        dpUrl = broker(dp, null, dpState, verified);
    }

    private String broker(Identity id, AssetKey key, BrokerState state, ContractVerifier.Verified c) throws Exception {
        KeyBroker b = KeyBroker.open(id, key, List.of(BrokeredContract.batch(c, id.publicIdentity())), state,
                KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        if (key != null) {
            mpBroker = b;
        }
        BrokerServer s = BrokerServer.start(b, "127.0.0.1", 0, 2);
        open.add(s);
        open.add(b);
        return "http://127.0.0.1:" + s.port() + "/";
    }

    String path(String name) {
        return dir.resolve(name).toString();
    }

    /**
     * Seals the CSV {@code csv} (in the directory) to encrypted Parquet "data", {@code rowsPerFile} rows a file, and runs
     * the batch over it on {@code master} into "out", {@code rowsPerRun} rows a model run: the seal's run if it failed,
     * else the batch's.
     */
    Run sealAndRunBatch(String csv, String rowsPerFile, String master, String rowsPerRun) {
        Run seal = launcher("seal", "--format", "parquet", "--in", path(csv), "--contract", path("contract.json"), "--out", path("data"),
                "--broker", dpUrl, "--identity", path("dp.key"), "--master-key", "dataset", "--rows-per-file", rowsPerFile);
        if (seal.exit() != 0) {
            return seal;
        }
        return launcher("batch", "--contract", path("contract.json"), "--model", path("model.veil"), "--data", path("data"),
                "--mp-broker", mpUrl, "--dp-broker", dpUrl, "--master-key", "dataset", "--out", path("out"), "--master", master,
                "--rows-per-run", rowsPerRun);
    }

    static Run launcher(String... args) {
        return run(SparkLauncher::commandLine, args);
    }

    static Run veil(String... args) {
        return run(VeilCommand::commandLine, args);
    }

    /**
     * Runs a command line in this JVM. 'veil verify-receipt' prints on System.out, and a subcommand's default writer
     * wraps the System.out of the moment its command line is built, so it is built after the swap.
     */
    private static Run run(Supplier<CommandLine> cliOf, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = cliOf.get();
            cli.setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
            int code = cli.execute(args);
            return new Run(code, out + printed.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(saved);
        }
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable a : open) {
            a.close();
        }
    }
}
