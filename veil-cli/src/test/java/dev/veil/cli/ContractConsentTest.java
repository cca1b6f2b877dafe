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

/**
 * What a provider consents to: `contract draft` refuses an SNP minimum TCB that leaves a component unbounded,
 * `contract sign` lists every waiver in its JSON and does not sign malformed terms (the file is left unchanged), and
 * `contract show` prints each provider's fingerprint as its own field, apart from the owner-chosen name.
 */
class ContractConsentTest {
    private static final Path MODEL = Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx");
    @TempDir
    Path dir;

    @BeforeEach
    void identities() {
        assertThat(veil("keygen", "--name", "mp", "--dir", dir.toString()).code()).isZero();
        assertThat(veil("keygen", "--name", "dp", "--dir", dir.toString(), "--key-wrap", "X25519").code()).isZero();
    }

    @Test
    void snpMinimumTcbNamingSomeComponentsIsRefused() {
        CliTest.Result r = draft("snp", "--measurement", "ab".repeat(48), "--snp-min-tcb", "bl=0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("--snp-min-tcb names no minimum for tee, snp, ucode");
        assertThat(dir.resolve("contract.json")).doesNotExist();
    }

    @Test
    void signListsTheWaiversInItsJson() throws Exception {
        assertThat(draft("sim", "--measurement", "cd".repeat(48), "--allow-simulated").code()).isZero();
        CliTest.Result sign = veil("contract", "sign", "--contract", dir.resolve("contract.json").toString(), "--identity",
                dir.resolve("mp.key").toString(), "--role", "model_provider");
        assertThat(sign.code()).as(sign.err()).isZero();
        JsonNode out = new ObjectMapper().readTree(sign.out());
        assertThat(out.get("waivers").toString()).contains("allow_simulated");
        assertThat(sign.err()).contains("veil: WAIVER in this contract: allow_simulated");
        assertThat(out.get("data_provider_fingerprint").asText()).matches("[0-9a-f]{4}(-[0-9a-f]{4}){4}");
    }

    @Test
    void malformedTermsAreNotSignedAndTheFileIsLeftAsItWas() throws Exception {
        assertThat(draft("sim", "--measurement", "cd".repeat(48), "--allow-simulated").code()).isZero();
        Path contract = dir.resolve("contract.json");
        String edited = Files.readString(contract).replace("\"advisories\" : [ ]", "\"advisories\" : [ \"INTEL-SA-00615\" ]");
        assertThat(edited).contains("INTEL-SA-00615");
        Files.writeString(contract, edited);
        CliTest.Result sign = veil("contract", "sign", "--contract", contract.toString(), "--identity",
                dir.resolve("dp.key").toString(), "--role", "data_provider");
        assertThat(sign.code()).isEqualTo(2);
        assertThat(sign.err()).contains("will not sign").contains("waivers.advisories apply to platforms tdx and sgx only");
        assertThat(Files.readString(contract)).isEqualTo(edited);
    }

    @Test
    void showPrintsFingerprintsAsTheirOwnFields() throws Exception {
        assertThat(draft("sim", "--measurement", "cd".repeat(48), "--allow-simulated").code()).isZero();
        JsonNode show = new ObjectMapper().readTree(veil("contract", "show", "--contract", dir.resolve("contract.json").toString()).out());
        assertThat(show.get("model_provider").asText()).isEqualTo("mp");
        assertThat(show.get("model_provider_fingerprint").asText()).matches("[0-9a-f]{4}(-[0-9a-f]{4}){4}");
        assertThat(show.get("data_provider").asText()).isEqualTo("dp");
    }

    @Test
    void verifyReceiptRefusesAMalformedCheckTime() {
        assertThat(draft("sim", "--measurement", "cd".repeat(48), "--allow-simulated").code()).isZero();
        Path receipt = dir.resolve("receipt.json");
        CliTest.Result r = veil("verify-receipt", "--receipt", receipt.toString(), "--contract", dir.resolve("contract.json").toString(),
                "--at", "yesterday");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--at 'yesterday' is not an ISO-8601 instant");
    }

    private CliTest.Result draft(String platform, String... more) {
        List<String> args = new ArrayList<>(List.of("contract", "draft", "--model", MODEL.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH,
                "--model-provider", dir.resolve("mp.pub.json").toString(), "--data-provider", dir.resolve("dp.pub.json").toString(),
                "--platform", platform, "--out", dir.resolve("contract.json").toString()));
        args.addAll(List.of(more));
        return veil(args.toArray(String[]::new));
    }
}
