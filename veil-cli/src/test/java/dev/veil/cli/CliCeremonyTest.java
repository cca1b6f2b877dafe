package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two providers using only the CLI against a running enclave: the workflow docs/USAGE.md describes. */
class CliCeremonyTest {
    @TempDir
    Path dir;

    @Test
    void providersRunASessionWithTheCliAndVerifyTheirReceipts() throws Exception {
        Path enclaveDir = dir.resolve("enclave");
        Path model = Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx");
        float[] pixels = new float[2 * 3 * 48 * 192];
        new java.util.Random(5).nextBytes(new byte[1]);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 97) / 97f;
        }
        Path data = Files.write(dir.resolve("images.npy"),
                dev.veil.tensor.Npy.writeFloat32(new dev.veil.tensor.FloatTensor(new long[] {2, 3, 48, 192}, pixels)));

        assertThat(veil("keygen", "--name", "mp", "--dir", dir.toString()).code()).isZero();
        assertThat(veil("keygen", "--name", "dp", "--dir", dir.toString(), "--key-wrap", "X25519").code()).isZero();
        assertThat(veil("seal", "--in", model.toString(), "--out", dir.resolve("model.veil").toString(),
                "--key-out", dir.resolve("model.key").toString(), "--type", "model").code()).isZero();
        assertThat(veil("seal", "--in", data.toString(), "--out", dir.resolve("data.veil").toString(),
                "--key-out", dir.resolve("data.key").toString(), "--type", "dataset").code()).isZero();
        CliTest.Result m = veil("enclave", "measure", "--work-dir", enclaveDir.toString());
        String measurement = new ObjectMapper().readTree(m.out()).get("measurement").asText();

        Path contract = dir.resolve("contract.json");
        CliTest.Result draft = veil("contract", "draft", "--model", model.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH,
                "--model-provider", dir.resolve("mp.pub.json").toString(), "--data-provider", dir.resolve("dp.pub.json").toString(),
                "--platform", "sim", "--measurement", measurement, "--allow-simulated", "--output", "scores", "--out", contract.toString());
        assertThat(draft.code()).as(draft.err()).isZero();
        assertThat(veil("contract", "show", "--contract", contract.toString()).code()).isEqualTo(2);
        assertThat(veil("contract", "sign", "--contract", contract.toString(), "--identity", dir.resolve("mp.key").toString(),
                "--role", "model_provider").code()).isZero();
        assertThat(veil("contract", "sign", "--contract", contract.toString(), "--identity", dir.resolve("mp.key").toString(),
                "--role", "data_provider").err()).contains("is not the contract's data_provider");
        assertThat(veil("contract", "sign", "--contract", contract.toString(), "--identity", dir.resolve("dp.key").toString(),
                "--role", "data_provider").code()).isZero();
        assertThat(veil("contract", "show", "--contract", contract.toString()).out()).contains("\"status\" : \"valid\"");

        String salt;
        // Both joins run in this JVM and swap System.out; whichever capture is current when the data provider prints
        // its line gets it, so this test keeps one of its own under them.
        java.io.PrintStream realOut = System.out;
        java.io.ByteArrayOutputStream underneath = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(underneath, true, java.nio.charset.StandardCharsets.UTF_8));
        EnclaveConfig cfg = EnclaveConfig.simDefaults(enclaveDir);
        try (EnclaveServer server = EnclaveServer.start(cfg, EnclaveServer.evidenceSourceFor(cfg))) {
            String at = "127.0.0.1:" + server.port();
            CompletableFuture<CliTest.Result> mp = CompletableFuture.supplyAsync(() -> veil("join", "--role", "model_provider",
                    "--enclave", at, "--contract", contract.toString(), "--identity", dir.resolve("mp.key").toString(),
                    "--sealed", dir.resolve("model.veil").toString(), "--key", dir.resolve("model.key").toString(),
                    "--receipt-out", dir.resolve("discard.json").toString(), "--state", dir.resolve("mp-state").toString()));
            CliTest.Result dp = veil("join", "--role", "data_provider", "--enclave", at, "--contract", contract.toString(),
                    "--identity", dir.resolve("dp.key").toString(), "--sealed", dir.resolve("data.veil").toString(),
                    "--key", dir.resolve("data.key").toString(), "--out", dir.resolve("scores.npy").toString(),
                    "--receipt-out", dir.resolve("result.json").toString(), "--state", dir.resolve("dp-state").toString());
            assertThat(dp.code()).as(dp.err()).isZero();
            CliTest.Result mpDone = mp.get(60, TimeUnit.SECONDS);
            assertThat(mpDone.code()).isZero();
            System.setOut(realOut);
            salt = (dp.out() + "\n" + mpDone.out() + "\n" + underneath.toString(java.nio.charset.StandardCharsets.UTF_8)).lines().filter(l -> l.contains("commitment_salt")).findFirst()
                    .map(l -> readTree(l).get("commitment_salt").asText()).orElseThrow();
        }
        assertThat(dev.veil.tensor.Npy.read(Files.readAllBytes(dir.resolve("scores.npy"))).shape()).containsExactly(2, 2);

        CliTest.Result ok = veil("verify-receipt", "--receipt", dir.resolve("result.json").toString(),
                "--contract", contract.toString(), "--output", dir.resolve("scores.npy").toString(), "--salt", salt);
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("\"verified\" : true").contains("\"output_checked\" : true");
        assertThat(veil("verify-receipt", "--receipt", dir.resolve("discard.json").toString(), "--contract", contract.toString()).code()).isZero();

        // a receipt whose payload was edited, or an output that is not the one attested, fails with exit 2
        String receipt = Files.readString(dir.resolve("result.json"));
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(receipt);
        byte[] payload = tree.get("payload").binaryValue();
        payload[payload.length / 2] ^= 1;
        tree.put("payload", payload);
        Files.writeString(dir.resolve("edited.json"), tree.toString());
        CliTest.Result edited = veil("verify-receipt", "--receipt", dir.resolve("edited.json").toString(), "--contract", contract.toString());
        assertThat(edited.code()).isEqualTo(2);
        assertThat(edited.err()).contains("signature does not verify");
        Files.write(dir.resolve("fake.npy"), new byte[] {1, 2, 3});
        CliTest.Result fake = veil("verify-receipt", "--receipt", dir.resolve("result.json").toString(), "--contract",
                contract.toString(), "--output", dir.resolve("fake.npy").toString(), "--salt", salt);
        assertThat(fake.code()).isEqualTo(2);
        assertThat(fake.err()).contains("but the receipt says");
    }

    @Test
    void restartedEnclaveCannotRunACompletedContractAgainUnlessAProviderNamesIt() throws Exception {
        JoinFixture f = JoinFixture.create(dir);
        Path scores = dir.resolve("scores.npy");
        EnclaveConfig cfg = EnclaveConfig.simDefaults(f.enclaveDir());
        try (EnclaveServer first = EnclaveServer.start(cfg, EnclaveServer.evidenceSourceFor(cfg))) {
            String at = "127.0.0.1:" + first.port();
            CompletableFuture<CliTest.Result> mp = CompletableFuture.supplyAsync(() -> veil(f.modelProvider(at)));
            CliTest.Result dp = veil(f.dataProvider(at, scores));
            assertThat(dp.code()).as(dp.err()).isZero();
            assertThat(mp.get(60, TimeUnit.SECONDS).code()).isZero();
        }
        byte[] firstScores = Files.readAllBytes(scores);
        String hash = new ObjectMapper().readTree(veil("contract", "show", "--contract", f.contract().toString()).out())
                .get("contract_hash").asText();

        // The host restarts the enclave, which forgets the contract; each provider's own record does not.
        try (EnclaveServer restarted = EnclaveServer.start(cfg, EnclaveServer.evidenceSourceFor(cfg))) {
            String at = "127.0.0.1:" + restarted.port();
            CliTest.Result mpAgain = veil(f.modelProvider(at));
            assertThat(mpAgain.code()).isEqualTo(2);
            assertThat(mpAgain.err().strip().lines()).hasSize(1);
            assertThat(mpAgain.err()).contains("already ran contract " + hash.substring(0, 16))
                    .contains("--rerun " + hash.substring(0, 8));
            CliTest.Result dpAgain = veil(f.dataProvider(at, dir.resolve("scores-2.npy")));
            assertThat(dpAgain.code()).isEqualTo(2);
            assertThat(dpAgain.err()).contains("already ran contract");
            // the existing results are not overwritten either
            CliTest.Result overwrite = veil(f.dataProvider(at, scores, "--rerun", hash.substring(0, 8)));
            assertThat(overwrite.code()).isEqualTo(2);
            assertThat(overwrite.err()).contains("refusing to overwrite " + scores);

            // named on purpose by both providers, it runs again
            CompletableFuture<CliTest.Result> mp = CompletableFuture.supplyAsync(() -> veil(f.modelProvider(at, "--rerun", hash.substring(0, 12))));
            CliTest.Result dp = veil(f.dataProvider(at, scores, "--rerun", hash.substring(0, 8), "--force"));
            assertThat(dp.code()).as(dp.err()).isZero();
            assertThat(mp.get(60, TimeUnit.SECONDS).code()).isZero();
        }
        assertThat(Files.readAllBytes(scores)).isEqualTo(firstScores);
        assertThat(Files.readString(dir.resolve("mp-state").resolve("completed-contracts")).lines()
                .filter(l -> l.startsWith(hash)).toList()).hasSize(4);
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
