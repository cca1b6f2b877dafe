package dev.veil.cli.serving;

import dev.veil.cli.demo.TestModelTerms;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import dev.veil.enclave.evidence.CodeMeasurement;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.enclave.serving.ServingEnclave;
import dev.veil.protocol.contract.EnclavePolicy;
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
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A sim serving enclave for the real OCR model, its MP-signed serving contract and the sealed model. */
final class ServingFixture implements AutoCloseable {
    static final Path MODEL = Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx");
    static final Identity MP = Identity.generate("serving-mp", KeyWrapSuite.MLKEM768_X25519);
    static final Identity DP = Identity.generate("serving-dp", KeyWrapSuite.X25519);
    static final Identity DP2 = Identity.generate("serving-dp2", KeyWrapSuite.MLKEM768_X25519);
    static final Identity STRANGER = Identity.generate("stranger", KeyWrapSuite.X25519);

    final Path dir;
    final EnclaveConfig config;
    final SignedServingContract signed;
    final ServingContractVerifier.Verified contract;
    final Path sealedModel;
    final AssetKey modelKey;
    ServingEnclave enclave;

    ServingFixture(Path dir) throws Exception {
        this(dir, ServerLimits.defaults());
    }

    ServingFixture(Path dir, ServerLimits limits) throws Exception {
        this(dir, limits, new ServingBudget(1000L, 10_000L));
    }

    ServingFixture(Path dir, ServerLimits limits, ServingBudget budget) throws Exception {
        this(dir, MODEL, OutputPolicy.scores(), limits, budget);
    }

    ServingFixture(Path dir, Path modelFile, OutputPolicy output, ServerLimits limits, ServingBudget budget) throws Exception {
        this(dir, modelFile, output, limits, budget, 1);
    }

    /** A contract that lets {@code maxInstances} instances serve it (each answers its share of the budget). */
    ServingFixture(Path dir, ServerLimits limits, ServingBudget budget, int maxInstances) throws Exception {
        this(dir, MODEL, OutputPolicy.scores(), limits, budget, maxInstances);
    }

    private ServingFixture(Path dir, Path modelFile, OutputPolicy output, ServerLimits limits, ServingBudget budget, int maxInstances)
            throws Exception {
        this.dir = dir;
        this.config = EnclaveConfig.simDefaults(dir.resolve("enclave")).withBatchSize(64);
        byte[] model = Files.readAllBytes(modelFile);
        EnclavePolicy policy = new EnclavePolicy(dev.veil.attest.Platform.SIM, List.of(Digests.hex(CodeMeasurement.compute(config))), false, true);
        ServingContract c = ServingContract.draft(TestModelTerms.of(model, "test-model"), MP.publicIdentity(),
                policy, KeyWrapSuite.MLKEM768_X25519, output, DataProviderAccess.only(List.of(DP.publicIdentity(), DP2.publicIdentity())),
                budget, new ServingLimits((int) Math.min(16, budget.rowsPerDay() / maxInstances), 30), Instant.now().plus(Duration.ofHours(1)))
                .withMaxInstances(maxInstances == 1 ? null : maxInstances);
        this.signed = SignedServingContract.unsigned(c).signedBy(MP);
        this.contract = ServingContractVerifier.verify(signed, Instant.now());
        this.modelKey = AssetKey.generate();
        this.sealedModel = dir.resolve("model.veil");
        Files.write(sealedModel, new Sealer().sealBytes(model, modelKey, ContentType.MODEL));
        start(limits);
    }

    void start(ServerLimits limits) throws Exception {
        start(limits, 0);
    }

    /** Starts the enclave (again) on {@code port}; 0 is any free port. */
    void start(ServerLimits limits, int port) throws Exception {
        EnclaveConfig c = config.withPort(port);
        enclave = ServingEnclave.start(contract, c, EnclaveServer.evidenceSourceFor(c), limits);
    }

    /** Starts the enclave (again) on any free port, deciding by {@code clock} (as a host's wall clock, stepped by the test). */
    void start(ServerLimits limits, java.time.Clock clock) throws Exception {
        EnclaveConfig c = config.withPort(0);
        enclave = ServingEnclave.start(contract, c, EnclaveServer.evidenceSourceFor(c), limits, null, clock);
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + enclave.port() + "/");
    }

    ServingClient client() {
        return new ServingClient(uri(), contract);
    }

    void provision(ServingClient client) throws Exception {
        client.provisionUncounted(MP, SealedAsset.of(sealedModel), modelKey, sealedModel);
    }

    /**
     * A raw upload of {@code prefix} (a release's body prefix) and {@code sealed}, with the model provider's upload
     * authorization for the release's enclave nonce, as {@code veil provision} sends it: tests of the release's own
     * checks get past the upload's headers.
     */
    java.net.http.HttpRequest provisionRequest(byte[] prefix, byte[] sealed) throws Exception {
        byte[] body = new byte[prefix.length + sealed.length];
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        System.arraycopy(sealed, 0, body, prefix.length, sealed.length);
        byte[] enclaveNonce = dev.veil.protocol.servinghttp.ProvisionRelease.readPrefix(new java.io.ByteArrayInputStream(prefix)).enclaveNonce();
        String authorization = dev.veil.protocol.servinghttp.UploadAuthorization.sign(MP, contract.hash(),
                enclave.instance().instanceKeys(), enclaveNonce).headerValue();
        return java.net.http.HttpRequest.newBuilder(uri().resolve("/v1/provision"))
                .header(dev.veil.protocol.servinghttp.UploadAuthorization.HEADER, authorization)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    /** {@code rows} OCR crops (float32 [rows, 3, 48, 192]) of values from {@code seed}, as the request's .npz. */
    static byte[] crops(int rows, long seed) {
        float[] v = new float[rows * 3 * 48 * 192];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat() * 2 - 1;
        }
        return dev.veil.tensor.npz.Npz.write(dev.veil.tensor.NamedTensors.of(
                dev.veil.tensor.Tensor.ofFloats("x", new long[] {rows, 3, 48, 192}, v)));
    }

    @Override
    public void close() {
        if (enclave != null) {
            enclave.close();
        }
        modelKey.close();
    }
}
