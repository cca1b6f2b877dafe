package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `veil contract draft --mode serving`, then `sign` by the model provider and `show`, and their bad input. */
class ServingContractCommandTest {
    private static final Path MODEL = ContractCommandTest.MODEL;
    @TempDir
    Path dir;

    @BeforeEach
    void identities() {
        for (String name : List.of("mp", "dp", "dp2")) {
            assertThat(veil("keygen", "--name", name, "--dir", dir.toString(), "--key-wrap", "X25519").code()).isZero();
        }
    }

    private Path contract() {
        return dir.resolve("serving.json");
    }

    private CliTest.Result draft(String... more) {
        List<String> args = new ArrayList<>(List.of("contract", "draft", "--mode", "serving", "--model", MODEL.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH,
                "--model-provider", dir.resolve("mp.pub.json").toString(), "--platform", "sim", "--measurement", "cd".repeat(48),
                "--allow-simulated", "--key-wrap", "X25519", "--out", contract().toString()));
        args.addAll(List.of(more));
        return veil(args.toArray(String[]::new));
    }

    private static final String[] BUDGETS = {"--rows-per-day", "1000", "--rows-total", "50000", "--max-rows-per-request", "64"};

    private CliTest.Result draftFor(String... dataProviders) {
        List<String> args = new ArrayList<>(List.of(dataProviders));
        args.addAll(List.of(BUDGETS));
        return draft(args.toArray(String[]::new));
    }

    @Test
    void servingContractIsDraftedSignedByTheModelProviderAndShown() throws Exception {
        CliTest.Result drafted = draftFor("--data-provider", dir.resolve("dp.pub.json").toString(),
                "--data-provider", dir.resolve("dp2.pub.json").toString());
        assertThat(drafted.code()).as(drafted.err()).isZero();
        assertThat(json(drafted).get("kind").asText()).isEqualTo("serving");
        assertThat(json(drafted).get("data_providers")).hasSize(2);
        assertThat(Files.readString(contract())).contains("\"veil_serving_contract\" : 1");

        CliTest.Result unsigned = veil("contract", "show", "--contract", contract().toString());
        assertThat(unsigned.code()).isEqualTo(2);
        assertThat(unsigned.err()).contains("is not signed by its model provider");

        CliTest.Result signed = veil("contract", "sign", "--contract", contract().toString(), "--identity",
                dir.resolve("mp.key").toString(), "--role", "model_provider");
        assertThat(signed.code()).as(signed.err()).isZero();
        assertThat(json(signed).get("signed_by").get(0).asText()).isEqualTo("model_provider");

        CliTest.Result show = veil("contract", "show", "--contract", contract().toString());
        assertThat(show.code()).as(show.err()).isZero();
        JsonNode s = json(show);
        assertThat(s.get("status").asText()).isEqualTo("valid");
        assertThat(s.get("rows_per_day").asLong()).isEqualTo(1000);
        assertThat(s.get("rows_total").asLong()).isEqualTo(50000);
        assertThat(s.get("max_rows_per_request").asInt()).isEqualTo(64);
        assertThat(s.get("max_inference_seconds").asInt()).isEqualTo(60);
        assertThat(s.get("data_providers").get(1).get("name").asText()).isEqualTo("dp2");
        assertThat(s.get("contract_hash").asText()).isEqualTo(json(drafted).get("contract_hash").asText());
    }

    @Test
    void anyDataProviderIsShownBackLoudly() throws Exception {
        CliTest.Result drafted = draftFor("--any-data-provider");
        assertThat(drafted.code()).as(drafted.err()).isZero();
        assertThat(drafted.err()).contains("ANY DATA PROVIDER may query");
        assertThat(json(drafted).get("data_providers").asText()).startsWith("ANY");
        CliTest.Result signed = veil("contract", "sign", "--contract", contract().toString(), "--identity",
                dir.resolve("mp.key").toString(), "--role", "model_provider");
        assertThat(signed.err()).contains("ANY DATA PROVIDER may query");
        CliTest.Result show = veil("contract", "show", "--contract", contract().toString());
        assertThat(show.err()).contains("ANY DATA PROVIDER may query");
        assertThat(json(show).get("data_providers").asText()).startsWith("ANY");
    }

    @Test
    void neitherDataProvidersNorAnyIsRefused() {
        refused(draftFor(), "a serving contract names who may query: --data-provider FILE for each, or --any-data-provider");
    }

    @Test
    void bothDataProvidersAndAnyAreRefused() {
        refused(draftFor("--any-data-provider", "--data-provider", dir.resolve("dp.pub.json").toString()),
                "either --data-provider (each one that may query) or --any-data-provider, not both");
    }

    @Test
    void missingBudgetsAreRefused() {
        refused(draft("--any-data-provider", "--rows-per-day", "10", "--max-rows-per-request", "5"),
                "needs budgets against model extraction: pass --rows-per-day N, --rows-total N and --max-rows-per-request N");
    }

    @Test
    void incoherentBudgetsAreRefused() {
        refused(draft("--any-data-provider", "--rows-per-day", "10", "--rows-total", "100", "--max-rows-per-request", "11"),
                "limits.max_rows_per_request (11) is more than budget.rows_per_day (10)");
        refused(draft("--any-data-provider", "--rows-per-day", "0", "--rows-total", "100", "--max-rows-per-request", "1"),
                "must be at least 1");
    }

    @Test
    void batchOptionsInServingModeAndServingOptionsInBatchModeAreRefused() {
        refused(draftFor("--any-data-provider", "--max-rows", "5"), "--max-rows does not apply to a serving contract");
        refused(draftFor("--any-data-provider", "--dataset-sha256", "ab".repeat(32)), "--dataset-sha256 does not apply to a serving contract");
        CliTest.Result batch = veil("contract", "draft", "--model", MODEL.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH, "--model-provider", dir.resolve("mp.pub.json").toString(),
                "--data-provider", dir.resolve("dp.pub.json").toString(), "--platform", "sim", "--measurement", "cd".repeat(48),
                "--allow-simulated", "--rows-per-day", "5", "--out", contract().toString());
        refused(batch, "--rows-per-day does not apply to a batch contract; pass --mode serving");
        CliTest.Result twoInBatch = veil("contract", "draft", "--model", MODEL.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH, "--model-provider", dir.resolve("mp.pub.json").toString(),
                "--data-provider", dir.resolve("dp.pub.json").toString(), "--data-provider", dir.resolve("dp2.pub.json").toString(),
                "--platform", "sim", "--measurement", "cd".repeat(48), "--allow-simulated", "--out", contract().toString());
        refused(twoInBatch, "a batch contract names exactly one --data-provider (2 given)");
    }

    @Test
    void unknownModeIsRefused() {
        CliTest.Result r = veil("contract", "draft", "--mode", "stream", "--model", MODEL.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH, "--model-provider",
                dir.resolve("mp.pub.json").toString(), "--any-data-provider", "--platform", "sim", "--measurement", "cd".repeat(48),
                "--allow-simulated", "--out", contract().toString());
        refused(r, "--mode 'stream' is not batch or serving");
    }

    @Test
    void existingFileIsKeptUnlessForced() throws Exception {
        Files.writeString(contract(), "a signed contract");
        refused(draftFor("--any-data-provider"), "serving.json exists; choose another --out or pass --force");
        assertThat(Files.readString(contract())).isEqualTo("a signed contract");
        assertThat(draftFor("--any-data-provider", "--force").code()).isZero();
    }

    @Test
    void dataProviderCannotSignAServingContract() throws Exception {
        assertThat(draftFor("--any-data-provider").code()).isZero();
        String before = Files.readString(contract());
        CliTest.Result asDp = veil("contract", "sign", "--contract", contract().toString(), "--identity",
                dir.resolve("dp.key").toString(), "--role", "data_provider");
        assertThat(asDp.code()).isEqualTo(2);
        assertThat(asDp.err()).contains("its model provider alone signs it");
        CliTest.Result dpAsMp = veil("contract", "sign", "--contract", contract().toString(), "--identity",
                dir.resolve("dp.key").toString(), "--role", "model_provider");
        assertThat(dpAsMp.code()).isEqualTo(2);
        assertThat(dpAsMp.err()).contains("only the model provider signs a serving contract");
        assertThat(Files.readString(contract())).isEqualTo(before);
    }

    @Test
    void servingContractAlteredAfterSigningIsShownInvalid() throws Exception {
        assertThat(draftFor("--any-data-provider").code()).isZero();
        assertThat(veil("contract", "sign", "--contract", contract().toString(), "--identity", dir.resolve("mp.key").toString(),
                "--role", "model_provider").code()).isZero();
        Files.writeString(contract(), Files.readString(contract()).replace("\"rows_per_day\" : 1000", "\"rows_per_day\" : 9000"));
        CliTest.Result show = veil("contract", "show", "--contract", contract().toString());
        assertThat(show.code()).isEqualTo(2);
        assertThat(show.err()).contains("does not verify");
    }

    private void refused(CliTest.Result r, String... messages) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        for (String m : messages) {
            assertThat(r.err()).contains(m);
        }
        if (!r.err().contains("exists")) {
            assertThat(contract()).doesNotExist();
        }
    }

    private static JsonNode json(CliTest.Result r) throws Exception {
        return new ObjectMapper().readTree(r.out());
    }
}
