package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `veil contract sign` is the moment a provider consents to the terms. A model provider drafts and sends the file;
 * the data provider signs it. Whatever the drafter relaxed must be shown to the signer there, and terms no session
 * could start with must not collect signatures.
 */
class ContractSignAttackTest {
    private static final Path MODEL = Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx");
    @TempDir
    Path dir;

    @BeforeEach
    void identities() {
        assertThat(veil("keygen", "--name", "mp", "--dir", dir.toString()).code()).isZero();
        assertThat(veil("keygen", "--name", "dp", "--dir", dir.toString(), "--key-wrap", "X25519").code()).isZero();
    }

    @Test
    void signerIsShownTheWaiversTheDrafterSlippedIn() {
        Path contract = draft("--allow-debug");
        CliTest.Result sign = veil("contract", "sign", "--contract", contract.toString(), "--identity",
                dir.resolve("dp.key").toString(), "--role", "data_provider");
        assertThat(sign.code()).as(sign.err()).isZero();
        assertThat(sign.err() + sign.out()).as("the data provider signs a contract that accepts debug TEEs without being told")
                .contains("allow_debug");
    }

    @Test
    void contractWithMalformedEnclaveTermsCannotBeSigned() throws Exception {
        Path contract = draft();
        String edited = Files.readString(contract).replace("\"tcb_statuses\" : [ ]", "\"tcb_statuses\" : [ \"Revoked\" ]");
        assertThat(edited).contains("Revoked");
        Files.writeString(contract, edited);
        CliTest.Result sign = veil("contract", "sign", "--contract", contract.toString(), "--identity",
                dir.resolve("dp.key").toString(), "--role", "data_provider");
        assertThat(sign.code()).as("signing a contract whose reference values waive Revoked (a problem checkTerms refuses)")
                .isEqualTo(2);
    }

    private Path draft(String... more) {
        Path out = dir.resolve("contract.json");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("contract", "draft", "--model", MODEL.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH,
                "--model-provider", dir.resolve("mp.pub.json").toString(), "--data-provider", dir.resolve("dp.pub.json").toString(),
                "--platform", "sim", "--measurement", "cd".repeat(48), "--allow-simulated", "--out", out.toString()));
        args.addAll(java.util.List.of(more));
        CliTest.Result r = veil(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return out;
    }
}
