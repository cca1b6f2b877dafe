package dev.veil.cli.demo;

import dev.veil.attest.Simulation;
import dev.veil.cli.CliFailure;
import dev.veil.cli.ExitCodes;
import dev.veil.cli.MaxSizeOptions;
import dev.veil.cli.UserPaths;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import dev.veil.enclave.evidence.CodeMeasurement;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.provider.DatasetCheck;
import dev.veil.provider.ProviderFlow;
import dev.veil.provider.SealedAsset;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import dev.veil.seal.ProgressListener;
import dev.veil.seal.SealHeader;
import dev.veil.seal.io.AtomicOutput;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.npz.Npz;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole ceremony on the embedded simulated TEE, with each party on a loopback socket.",
                "The model provider, the data provider and the enclave are separate parties. Without options it trains",
                "a digits classifier and scores the data provider's labels; with --model/--data it runs your ONNX model",
                "on your CSV/NPY data and writes the data provider's decrypted output to --out."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--model", description = "your ONNX model (batch first; several named inputs come from an .npz)")
    Path model;
    @Option(names = "--data", description = "your data: CSV of numeric rows, a NumPy .npy tensor, or an .npz of named inputs")
    Path data;
    @Option(names = "--out", description = {"where the data provider's decrypted output goes (CSV labels, or .npy with --scores);",
            "created 0600, an existing file is kept unless --force"})
    Path out;
    @Option(names = "--force", description = "replace an existing --out")
    boolean force;
    @Option(names = "--scores", description = "return the model's full first output tensor (.npy) instead of labels")
    boolean scores;
    @Option(names = "--max-size", description = {"most elements one row may hold along a free model input dimension after the first,",
            "by its name, e.g. sequence_length=128 for MiniLM; needed for each such dimension of --model (as in 'veil contract draft')"})
    List<String> maxSizes = new ArrayList<>();
    @Option(names = "--work", defaultValue = "demo-out", description = "directory for the parties' files (default ${DEFAULT-VALUE})")
    Path work;

    /** The model is read whole into memory (its signature is read from it); the data streams from its file. */
    private static final long MAX_MODEL_IN_MEMORY = 1L << 30;

    private final PrintStream say = System.out;
    /** The data is an .npz of named inputs: the output is every output by name (output policy npz). */
    private boolean npzData;
    private final long started = System.nanoTime();

    @Override
    public Integer call() throws Exception {
        boolean custom = model != null || data != null || out != null;
        if (custom && (model == null || data == null || out == null)) {
            throw new CliFailure("--model, --data and --out go together");
        }
        if (scores && !custom) {
            throw new CliFailure("--scores needs --model, --data and --out");
        }
        if (custom) {
            UserPaths.input("--model", model);
            UserPaths.input("--data", data);
            UserPaths.output("--out", out, force);
            UserPaths.distinct("--model", model, "--out", out);
            UserPaths.distinct("--data", data, "--out", out);
            npzData = Npz.looksLikeNpz(head(data));
            if (npzData && scores) {
                throw new CliFailure("--scores does not apply to an .npz dataset: every output comes back by name, as an .npz");
            }
            if (Files.size(model) > MAX_MODEL_IN_MEMORY) {
                throw new CliFailure(model + " is over 1 GiB; the demo holds the model in memory, use 'veil seal' and 'veil join'");
            }
        }
        Workspace ws = Workspace.create(work);
        say.println("Veil demo: model provider (MP), data provider (DP) and a simulated TEE, talking over loopback sockets");
        System.err.println(Simulation.BANNER);
        // The TEE's host boots the enclave while the providers prepare their assets, as separate machines would.
        EnclaveConfig cfg = EnclaveConfig.simDefaults(ws.enclave).withPartyTimeout(Duration.ofMinutes(2));
        try (EnclaveBoot boot = EnclaveBoot.start(cfg)) {
            return run(custom, ws, cfg, boot);
        }
    }

    private Integer run(boolean custom, Workspace ws, EnclaveConfig cfg, EnclaveBoot boot) throws Exception {
        // ---- each provider prepares its asset on its own machine: here, each on its own thread, at the same time ----
        DigitsData[] split = custom ? null : DigitsData.load().split(42);
        say.println("-- the providers prepare at the same time, as on their own machines (each line is that step's own time) --");
        PartyThread<ModelSide> mpSide = PartyThread.start("veil-demo-mp", () -> prepareModel(split, ws));
        PartyThread<DataSide> dpSide = PartyThread.start("veil-demo-dp", () -> prepareData(split, ws));
        ModelSide mps = null;
        DataSide dps = null;
        try {
            mps = mpSide.join();
            dps = dpSide.join();
            return ceremony(custom, ws, cfg, boot, mps, dps);
        } finally {
            closeKey(mps != null ? mps : mpSide.joinQuietly());
            closeKey(dps != null ? dps : dpSide.joinQuietly());
        }
    }

    /** What the model provider holds once its asset is ready: its terms for the contract, the sealed model and its key. */
    private record ModelSide(Identity identity, ModelTerms terms, byte[] sealed, AssetKey key) implements AutoCloseable {
        @Override
        public void close() {
            key.close();
        }
    }

    /** What the data provider holds: its sealed dataset (streamed from its file) and key, and the true labels if any. */
    private record DataSide(Identity identity, SealedAsset sealed, AssetKey key, long[] trueLabels) implements AutoCloseable {
        @Override
        public void close() {
            key.close();
        }
    }

    /** The MP's side: its model (trained, or read), its identity, the model sealed under a fresh key, its contract terms. */
    private ModelSide prepareModel(DigitsData[] split, Workspace ws) throws Exception {
        long t = System.nanoTime();
        byte[] modelBytes;
        if (split == null) {
            modelBytes = Files.readAllBytes(model);
            step("MP", "model", t, model.getFileName() + " (" + kib(modelBytes.length) + ")");
        } else {
            float[][] wb = SoftmaxTrainer.train(split[0], 60, 7);
            modelBytes = OnnxWriter.softmaxClassifier(wb[0], wb[1], DigitsData.FEATURES, DigitsData.CLASSES);
            step("MP", "train", t, "softmax classifier on " + split[0].size() + " digit images → ONNX (" + kib(modelBytes.length) + ")");
        }
        t = System.nanoTime();
        Identity mp = Identity.generate("demo-model-provider", KeyWrapSuite.MLKEM768_X25519);
        IdentityFiles.writeSecret(mp, ws.mp.resolve("identity.key"));
        IdentityFiles.writePublic(mp.publicIdentity(), ws.mp.resolve("identity.pub.json"));
        step("MP", "keygen", t, mp.publicIdentity().fingerprint() + " (Ed25519 + ML-KEM-768/X25519)");

        t = System.nanoTime();
        AssetKey modelKey = AssetKey.generate();
        try {
            // one pass over the model: the sealer's digest is the one the contract pins (the header carries it)
            byte[] sealedModel = new Sealer().sealBytes(modelBytes, modelKey, ContentType.MODEL);
            String modelSha = SealHeader.decode(sealedModel).plaintextSha256Hex();
            AtomicOutput.write(ws.mp.resolve("model.veil"), sealedModel, false);
            AtomicOutput.write(ws.mp.resolve("model.key"), modelKey.toKeyFileText().getBytes(StandardCharsets.US_ASCII), true);
            ModelSignature signature = OnnxSignatureReader.read(modelBytes);
            signature = MaxSizeOptions.apply(signature, maxSizes);
            ModelTerms terms = new ModelTerms(modelSha, split == null ? model.getFileName().toString() : "demo digits classifier",
                    signature);
            step("MP", "seal", t, "model.veil (AES-256-GCM segments), sha256 " + modelSha.substring(0, 16) + "…; signature read");
            return new ModelSide(mp, terms, sealedModel, modelKey);
        } catch (Exception | Error e) {
            modelKey.close();
            throw e;
        }
    }

    /** The DP's side: its dataset (the digits' held-out images, or --data streamed from its file), identity, sealed copy. */
    private DataSide prepareData(DigitsData[] split, Workspace ws) throws Exception {
        long t = System.nanoTime();
        byte[] dataBytes = null;
        long[] trueLabels = null;
        if (split != null) {
            dataBytes = split[1].featuresCsv();
            trueLabels = java.util.Arrays.stream(split[1].labels()).asLongStream().toArray();
            step("DP", "dataset", t, split[1].size() + " unlabeled images (64 pixels each) as CSV; true labels stay with the DP");
        }
        t = System.nanoTime();
        Identity dp = Identity.generate("demo-data-provider", KeyWrapSuite.MLKEM768_X25519);
        IdentityFiles.writeSecret(dp, ws.dp.resolve("identity.key"));
        IdentityFiles.writePublic(dp.publicIdentity(), ws.dp.resolve("identity.pub.json"));
        step("DP", "keygen", t, dp.publicIdentity().fingerprint() + " (Ed25519 + ML-KEM-768/X25519)");

        t = System.nanoTime();
        AssetKey dataKey = AssetKey.generate();
        try {
            // The DP's file is not parsed here: its head is checked against the contract before its key moves, and
            // the enclave parses it once, as it streams (a bad cell further in comes back to the DP, sealed).
            Path sealedDataFile = ws.dp.resolve("dataset.veil");
            if (split == null) {
                new Sealer().sealFile(data, sealedDataFile, dataKey, ContentType.DATASET, ProgressListener.NONE, false);
            } else {
                AtomicOutput.write(sealedDataFile, new Sealer().sealBytes(dataBytes, dataKey, ContentType.DATASET), false);
            }
            SealedAsset sealedData = SealedAsset.of(sealedDataFile);
            AtomicOutput.write(ws.dp.resolve("dataset.key"), dataKey.toKeyFileText().getBytes(StandardCharsets.US_ASCII), true);
            step("DP", "seal", t, "dataset.veil (" + kib(Files.size(sealedDataFile)) + ", AES-256-GCM segments)"
                    + (split == null ? " from " + data.getFileName() + " (" + kib(Files.size(data)) + ")" : ""));
            return new DataSide(dp, sealedData, dataKey, trueLabels);
        } catch (Exception | Error e) {
            dataKey.close();
            throw e;
        }
    }

    private static void closeKey(AutoCloseable side) throws Exception {
        if (side != null) {
            side.close();
        }
    }

    private Integer ceremony(boolean custom, Workspace ws, EnclaveConfig cfg, EnclaveBoot boot, ModelSide mps, DataSide dps)
            throws Exception {
        Identity mp = mps.identity();
        Identity dp = dps.identity();
        byte[] sealedModel = mps.sealed();
        AssetKey modelKey = mps.key();
        SealedAsset sealedData = dps.sealed();
        AssetKey dataKey = dps.key();
        long[] trueLabels = dps.trueLabels();
        long t;
        // ---- the enclave has started; the MP pins its measurement in the contract ----
        String measurement = Digests.hex(CodeMeasurement.compute(cfg));
        {
            EnclaveServer enclave = boot.server();
            say.printf("  [%-5s] %-12s %8.1f ms  %s%n", "TEE", "start", boot.millis(), "sim enclave on 127.0.0.1:" + enclave.port()
                    + ", measurement " + measurement.substring(0, 16) + "… (booted while the providers prepared)");

            t = System.nanoTime();
            OutputPolicy policy = npzData ? OutputPolicy.npz() : scores ? OutputPolicy.scores() : OutputPolicy.labels();
            SessionContract c = SessionContract.draft(mps.terms(), mp.publicIdentity(), dp.publicIdentity(), new EnclavePolicy(dev.veil.attest.Platform.SIM, List.of(measurement), false, true),
                    KeyWrapSuite.MLKEM768_X25519, policy, Instant.now().plus(Duration.ofHours(1)));
            try {
                ContractVerifier.checkTerms(c);
            } catch (ProtocolException e) {
                throw new CliFailure(e.getMessage().replace("veil contract draft --max-size", "--max-size"));
            }
            DatasetCheck.requireFits(c, sealedData, dataKey);
            SignedContract contract = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp);
            Path contractFile = ws.root.resolve("contract.json");
            AtomicOutput.write(contractFile, Json.pretty(contract).getBytes(StandardCharsets.UTF_8), false);
            step("MP+DP", "contract", t, "signed by both; H(c) " + Digests.hex(c.hash()).substring(0, 16) + "…, output "
                    + policy.kind() + ", allow_simulated (INSECURE) explicitly true");

            say.println("-- ceremony over loopback sockets --");
            long ceremonyStart = System.nanoTime();
            ProviderFlow.StepListener narrate = (role, step, nanos, detail) -> {
                synchronized (say) {
                    say.printf("  [%-3s] %-16s %8.1f ms  %s%n", role == Role.MODEL_PROVIDER ? "MP" : "DP", step, nanos / 1e6, detail);
                }
            };
            LocalCeremony.Run run = LocalCeremony.run("127.0.0.1", enclave.port(), contract, mp, sealedModel, modelKey,
                    dp, sealedData, dataKey, narrate);
            run.requireSuccess();
            ProviderFlow.Outcome dpOutcome = run.dp();
            ProviderFlow.Outcome mpOutcome = run.mp();
            if (!mpOutcome.discard().receipt().completed()) {
                throw new CliFailure("session " + mpOutcome.discard().receipt().outcome());
            }
            double ceremonyMs = (System.nanoTime() - ceremonyStart) / 1e6;
            say.printf("-- ceremony done in %.1f ms --%n", ceremonyMs);

            // ---- outcome: the DP's output, checked, and both receipts verified again offline from their files ----
            Path resultReceipt = ws.dp.resolve("result-receipt.json");
            Path discardReceipt = ws.mp.resolve("discard-receipt.json");
            AtomicOutput.write(resultReceipt, Json.pretty(dpOutcome.result().signedReceipt()).getBytes(StandardCharsets.UTF_8), false);
            AtomicOutput.write(discardReceipt, Json.pretty(mpOutcome.discard().signed()).getBytes(StandardCharsets.UTF_8), false);
            byte[] output = dpOutcome.result().output();
            Path outFile = custom ? out : ws.dp.resolve("labels.csv");
            AtomicOutput.write(outFile, output, true, force || !custom);
            ContractVerifier.Verified verified = ContractVerifier.verify(SignedContract.read(contractFile), Instant.now());
            ReceiptVerifier.verifyResult(Json.parse(Files.readAllBytes(resultReceipt), SignedReceipt.class, "result receipt"), verified);
            ReceiptVerifier.verifyDiscard(Json.parse(Files.readAllBytes(discardReceipt), SignedReceipt.class, "discard receipt"), verified);

            if (trueLabels != null) {
                long[] got = NumericCsv.readLabels(output);
                int correct = 0;
                for (int i = 0; i < got.length; i++) {
                    correct += got[i] == trueLabels[i] ? 1 : 0;
                }
                say.printf("DP decrypted %d labels → %s; accuracy %.1f %% (%d/%d) against the DP's true labels%n",
                        got.length, outFile, 100.0 * correct / got.length, correct, got.length);
            } else {
                say.printf("DP decrypted %d rows of %s → %s%n", dpOutcome.result().rows(), policy.kind(), outFile);
            }
            say.println("result receipt verified offline: signed by the attested instance key; model digest and salted input and output commitments match ("
                    + resultReceipt + ")");
            say.println("discard receipt verified offline: model, keys and buffers released; session refuses reuse (" + discardReceipt + ")");
            say.printf("total %.1f s; contract, identities, sealed assets and receipts are in %s%n",
                    (System.nanoTime() - started) / 1e9, ws.root);
            System.err.println("veil: reminder: this ran on the INSECURE simulated TEE; see docs/DEPLOYMENT.md for real hardware");
        }
        return ExitCodes.OK;
    }

    private static byte[] head(Path file) throws java.io.IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(4);
        }
    }

    private void step(String who, String what, long since, String detail) {
        synchronized (say) {
            say.printf("  [%-5s] %-12s %8.1f ms  %s%n", who, what, (System.nanoTime() - since) / 1e6, detail);
        }
    }

    private static String kib(long n) {
        return n < 10240 ? n + " B" : (n / 1024) + " KiB";
    }

    /** The demo's directory: mp/, dp/, enclave/ and the contract. Recreated on each run, only if it is ours. */
    record Workspace(Path root, Path mp, Path dp, Path enclave) {
        private static final String MARKER = ".veil-demo";

        static Workspace create(Path root) throws IOException, CliFailure {
            if (Files.exists(root)) {
                if (!Files.exists(root.resolve(MARKER))) {
                    throw new CliFailure("--work " + root + " exists and was not made by 'veil demo'; choose another directory");
                }
                try (Stream<Path> s = Files.walk(root)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(root);
            Files.createFile(root.resolve(MARKER));
            Workspace w = new Workspace(root, root.resolve("mp"), root.resolve("dp"), root.resolve("enclave"));
            Files.createDirectories(w.mp);
            Files.createDirectories(w.dp);
            Files.createDirectories(w.enclave);
            return w;
        }
    }
}
