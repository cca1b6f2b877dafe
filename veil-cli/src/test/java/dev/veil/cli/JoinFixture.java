package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Two providers' files made with the CLI (identities, sealed model and dataset, a contract both signed for the sim
 * enclave with this build's measurement), and the `veil join` command lines that use them.
 */
record JoinFixture(Path dir, Path contract, Path enclaveDir) {
    static JoinFixture create(Path dir) throws Exception {
        Path enclaveDir = dir.resolve("enclave");
        Path model = Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx");
        float[] pixels = new float[2 * 3 * 48 * 192];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 97) / 97f;
        }
        Path data = Files.write(dir.resolve("images.npy"),
                dev.veil.tensor.Npy.writeFloat32(new dev.veil.tensor.FloatTensor(new long[] {2, 3, 48, 192}, pixels)));
        ok(veil("keygen", "--name", "mp", "--dir", dir.toString()));
        ok(veil("keygen", "--name", "dp", "--dir", dir.toString(), "--key-wrap", "X25519"));
        ok(veil("seal", "--in", model.toString(), "--out", dir.resolve("model.veil").toString(),
                "--key-out", dir.resolve("model.key").toString(), "--type", "model"));
        ok(veil("seal", "--in", data.toString(), "--out", dir.resolve("data.veil").toString(),
                "--key-out", dir.resolve("data.key").toString(), "--type", "dataset"));
        String measurement = new ObjectMapper().readTree(veil("enclave", "measure", "--work-dir", enclaveDir.toString()).out())
                .get("measurement").asText();
        Path contract = dir.resolve("contract.json");
        ok(veil("contract", "draft", "--model", model.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH,
                "--model-provider", dir.resolve("mp.pub.json").toString(), "--data-provider", dir.resolve("dp.pub.json").toString(),
                "--platform", "sim", "--measurement", measurement, "--allow-simulated", "--output", "scores", "--out", contract.toString()));
        ok(veil("contract", "sign", "--contract", contract.toString(), "--identity", dir.resolve("mp.key").toString(), "--role", "model_provider"));
        ok(veil("contract", "sign", "--contract", contract.toString(), "--identity", dir.resolve("dp.key").toString(), "--role", "data_provider"));
        return new JoinFixture(dir, contract, enclaveDir);
    }

    private static void ok(CliTest.Result r) {
        assertThat(r.code()).as(r.err()).isZero();
    }

    /** The model provider's join, with its own state directory. */
    String[] modelProvider(String enclave, String... extra) {
        return args(List.of("join", "--role", "model_provider", "--enclave", enclave, "--contract", contract.toString(),
                "--identity", dir.resolve("mp.key").toString(), "--sealed", dir.resolve("model.veil").toString(),
                "--key", dir.resolve("model.key").toString(), "--state", dir.resolve("mp-state").toString()), extra);
    }

    /** The data provider's join, with its own state directory. */
    String[] dataProvider(String enclave, Path out, String... extra) {
        return args(List.of("join", "--role", "data_provider", "--enclave", enclave, "--contract", contract.toString(),
                "--identity", dir.resolve("dp.key").toString(), "--sealed", dir.resolve("data.veil").toString(),
                "--key", dir.resolve("data.key").toString(), "--out", out.toString(),
                "--state", dir.resolve("dp-state").toString()), extra);
    }

    private static String[] args(List<String> base, String... extra) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(extra));
        return all.toArray(String[]::new);
    }
}
