package dev.veil.cli.broker;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.CliTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --max-instances} is drafted into batch and serving contracts, shown to signers, and refused out of range. */
class MaxInstancesDraftTest {
    private static final Path MODEL = Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx");
    @TempDir
    Path dir;

    private void keys() {
        for (String name : new String[] {"mp", "dp"}) {
            assertThat(veil("keygen", "--name", name, "--dir", dir.toString(), "--key-wrap", "X25519").code()).isZero();
        }
    }

    @Test
    void servingAndBatchContractsCarryMaxInstancesToTheirSigners() throws Exception {
        keys();
        Path serving = dir.resolve("serving.json");
        CliTest.Result draft = veil("contract", "draft", "--mode", "serving", "--model", MODEL.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH, "--model-provider",
                dir.resolve("mp.pub.json").toString(), "--any-data-provider", "--platform", "sim", "--measurement", "cd".repeat(48),
                "--allow-simulated", "--rows-per-day", "30", "--rows-total", "100", "--max-rows-per-request", "5",
                "--max-instances", "3", "--out", serving.toString());
        assertThat(draft.code()).as(draft.err()).isZero();
        assertThat(draft.out()).contains("\"max_instances\":3");
        assertThat(Files.readString(serving)).contains("\"max_instances\" : 3");
        CliTest.Result sign = veil("contract", "sign", "--contract", serving.toString(), "--identity", dir.resolve("mp.key").toString(),
                "--role", "model_provider");
        assertThat(sign.out()).contains("\"max_instances\":3");
        assertThat(veil("contract", "show", "--contract", serving.toString()).out()).contains("\"max_instances\" : 3");

        Path batch = dir.resolve("batch.json");
        CliTest.Result b = veil("contract", "draft", "--model", MODEL.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH, "--model-provider", dir.resolve("mp.pub.json").toString(),
                "--data-provider", dir.resolve("dp.pub.json").toString(), "--platform", "sim", "--measurement", "cd".repeat(48),
                "--allow-simulated", "--out", batch.toString());
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(b.out()).contains("\"max_instances\":1");
        assertThat(Files.readString(batch)).doesNotContain("max_instances");
        assertThat(veil("contract", "sign", "--contract", batch.toString(), "--identity", dir.resolve("dp.key").toString(),
                "--role", "data_provider").out()).contains("\"max_instances\":1");
    }

    @Test
    void maxInstancesOutOfRangeIsRefusedAtDraft() {
        keys();
        CliTest.Result r = veil("contract", "draft", "--model", MODEL.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH, "--model-provider", dir.resolve("mp.pub.json").toString(),
                "--data-provider", dir.resolve("dp.pub.json").toString(), "--platform", "sim", "--measurement", "cd".repeat(48),
                "--allow-simulated", "--max-instances", "0", "--out", dir.resolve("c.json").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("max_instances must be 1..10000");
        assertThat(Files.exists(dir.resolve("c.json"))).isFalse();
    }
}
