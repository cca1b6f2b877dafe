package dev.veil.bench;

import dev.veil.attest.Platform;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import dev.veil.enclave.evidence.CodeMeasurement;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.enclave.serving.ServingEnclave;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.DataProviderAccess;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.protocol.serving.ServingContract;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.ServingLimits;
import dev.veil.protocol.serving.SignedServingContract;
import dev.veil.provider.SealedAsset;
import dev.veil.provider.serving.ServingClient;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What {@code ./bench serve} serves: MiniLM (all-MiniLM-L6-v2, quantized), a request of 8 sequences × 128 tokens, a
 * serving contract signed by its model provider for one data provider (the CLI's defaults: ML-KEM-768+X25519 key wrap,
 * every output as {@code .npz}), a sim serving enclave started as {@code veil serve} starts it, and the model
 * provisioned into it over HTTP by the SDK; and the same model behind the plaintext baseline.
 */
final class ServeSetup implements AutoCloseable {
    static final int ROWS = 8;
    static final int TOKENS = 128;
    /** The contract's run-time limit; the baseline runs under the same. */
    static final int MAX_INFERENCE_SECONDS = 30;
    /** ServingInstance's batch queue; the baseline's is the same. */
    static final int BATCH_QUEUE = 1024;
    private static final long CLS = 101;
    private static final long SEP = 102;

    final Path modelFile;
    final byte[] requestNpz;
    final EnclaveConfig config;
    final Identity dataProvider;
    final ServingContractVerifier.Verified contract;
    final ServingEnclave enclave;
    final ServePlaintextServer plaintext;

    private ServeSetup(Path modelFile, byte[] requestNpz, EnclaveConfig config, Identity dataProvider,
                       ServingContractVerifier.Verified contract, ServingEnclave enclave, ServePlaintextServer plaintext) {
        this.dataProvider = dataProvider;
        this.modelFile = modelFile;
        this.requestNpz = requestNpz;
        this.config = config;
        this.contract = contract;
        this.enclave = enclave;
        this.plaintext = plaintext;
    }

    /** MiniLM from {@code shared}/models/minilm, else from the repository's testdata/models/minilm. */
    static Path modelDir(Path shared) {
        Path s = shared.resolve("models").resolve("minilm");
        if (Files.isRegularFile(s.resolve("all-minilm-l6-v2-q.onnx"))) {
            return s;
        }
        return Path.of("testdata", "models", "minilm");
    }

    static ServeSetup start(Path shared, Path dir) throws Exception {
        Identity dataProvider = Identity.generate("bench-dp", KeyWrapSuite.MLKEM768_X25519);
        Path modelDir = modelDir(shared);
        Path modelFile = modelDir.resolve("all-minilm-l6-v2-q.onnx");
        byte[] model = Files.readAllBytes(modelFile);
        byte[] request = request(Files.readAllBytes(modelDir.resolve("sample-8x128.npz")));
        ModelTerms terms = BenchModelTerms.of(model, "all-minilm-l6-v2-q");
        EnclaveConfig config = EnclaveConfig.simDefaults(dir.resolve("enclave"));
        ServerLimits limits = ServerLimits.defaults();
        Identity mp = Identity.generate("bench-mp", KeyWrapSuite.MLKEM768_X25519);
        EnclavePolicy policy = new EnclavePolicy(Platform.SIM, List.of(Digests.hex(CodeMeasurement.compute(config))), false, true);
        ServingContract c = ServingContract.draft(terms, mp.publicIdentity(), policy, KeyWrapSuite.MLKEM768_X25519, OutputPolicy.npz(),
                DataProviderAccess.only(List.of(dataProvider.publicIdentity())), new ServingBudget(Long.MAX_VALUE / 4, Long.MAX_VALUE / 4),
                new ServingLimits(ROWS, MAX_INFERENCE_SECONDS), Instant.now().plus(Duration.ofDays(1)));
        ServingContractVerifier.Verified contract = ServingContractVerifier.verify(SignedServingContract.unsigned(c).signedBy(mp), Instant.now());
        ServingEnclave enclave = ServingEnclave.start(contract, config, EnclaveServer.evidenceSourceFor(config), limits);
        ServePlaintextServer plaintext = null;
        try (AssetKey key = AssetKey.generate()) {
            Path sealed = dir.resolve("minilm.veil");
            Files.write(sealed, new Sealer().sealBytes(model, key, ContentType.MODEL));
            new ServingClient(URI.create("http://127.0.0.1:" + enclave.port() + "/"), contract)
                    .provisionUncounted(mp, SealedAsset.of(sealed), key, sealed);
            plaintext = ServePlaintextServer.start(model, terms.signature(), config, limits, Duration.ofSeconds(MAX_INFERENCE_SECONDS),
                    BATCH_QUEUE);
            return new ServeSetup(modelFile, request, config, dataProvider, contract, enclave, plaintext);
        } catch (Exception | Error e) {
            enclave.close();
            throw e;
        }
    }

    URI confidentialUri() {
        return URI.create("http://127.0.0.1:" + enclave.port() + "/");
    }

    URI plaintextUri() {
        return URI.create("http://127.0.0.1:" + plaintext.port() + "/");
    }

    /**
     * 8 × 128 tokens, every position attended: each sequence is the sample's real token ids (from MiniLM's tokenizer)
     * between [CLS] and [SEP], repeated to fill 128 positions; attention mask all ones, token types all zero.
     */
    static byte[] request(byte[] sampleNpz) throws Exception {
        NamedTensors sample = Npz.read(sampleNpz, 1 << 26);
        long[] ids = sample.get("input_ids").longs();
        long[] mask = sample.get("attention_mask").longs();
        int sampleTokens = (int) sample.get("input_ids").dim(1);
        long[] outIds = new long[ROWS * TOKENS];
        for (int r = 0; r < ROWS; r++) {
            int from = (r % (int) sample.get("input_ids").dim(0)) * sampleTokens;
            long[] words = java.util.stream.IntStream.range(0, sampleTokens)
                    .filter(i -> mask[from + i] == 1 && ids[from + i] != CLS && ids[from + i] != SEP)
                    .mapToLong(i -> ids[from + i]).toArray();
            outIds[r * TOKENS] = CLS;
            for (int t = 1; t < TOKENS - 1; t++) {
                outIds[r * TOKENS + t] = words[(t - 1) % words.length];
            }
            outIds[r * TOKENS + TOKENS - 1] = SEP;
        }
        long[] ones = new long[ROWS * TOKENS];
        java.util.Arrays.fill(ones, 1);
        long[] shape = {ROWS, TOKENS};
        return Npz.write(NamedTensors.of(Tensor.ofLongs("input_ids", shape, outIds), Tensor.ofLongs("attention_mask", shape, ones),
                Tensor.ofLongs("token_type_ids", shape, new long[ROWS * TOKENS])));
    }

    @Override
    public void close() {
        if (plaintext != null) {
            plaintext.close();
        }
        enclave.close();
    }
}
