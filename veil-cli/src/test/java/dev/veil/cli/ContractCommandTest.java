package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.veil.cli.demo.Protobuf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `veil contract draft` and `show` as a new user meets them: bad input refused in one line, waivers shown back. */
class ContractCommandTest {
    static final Path MODEL = Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx");
    static final String SNP_MEASUREMENT = "ab".repeat(48);
    @TempDir
    Path dir;

    @BeforeEach
    void identities() {
        assertThat(veil("keygen", "--name", "mp", "--dir", dir.toString()).code()).isZero();
        assertThat(veil("keygen", "--name", "dp", "--dir", dir.toString(), "--key-wrap", "X25519").code()).isZero();
    }

    @Test
    void sealedFileAsModelIsRefused() {
        Path sealed = dir.resolve("data.veil");
        assertThat(veil("seal", "--in", MODEL.toString(), "--out", sealed.toString(), "--key-out", dir.resolve("k").toString(),
                "--type", "dataset").code()).isZero();
        CliTest.Result r = draft(sealed, "sim", "--measurement", "cd".repeat(48), "--allow-simulated");
        refused(r, "is a sealed file; pass the plaintext ONNX model");
    }

    @Test
    void fileThatIsNotOnnxAsModelIsRefused() throws Exception {
        Path csv = Files.writeString(dir.resolve("data.csv"), "a,b\n1,2\n");
        refused(draft(csv, "sim", "--measurement", "cd".repeat(48), "--allow-simulated"), "is not an ONNX model; pass the plaintext .onnx file");
    }

    @Test
    void snpMeasurementOfThirtyTwoBytesIsRefused() {
        refused(draft(MODEL, "snp", "--measurement", "ab".repeat(32), "--snp-min-tcb", "snp=8"),
                "--measurement measurement 'abababab", "has 64 hex digits; a snp measurement (MEASUREMENT) is 48 bytes = 96 hex digits");
    }

    @Test
    void shortMeasurementIsReportedAsWrongLengthNotAsNotHex() {
        CliTest.Result r = draft(MODEL, "sgx", "--measurement", "abcd");
        refused(r, "measurement 'abcd' has 4 hex digits; a sgx measurement (MRENCLAVE) is 32 bytes = 64 hex digits");
        assertThat(r.err()).doesNotContain("not lowercase hex");
    }

    @Test
    void snpContractWithoutMinimumTcbIsRefusedUnlessOptedOutByName() throws Exception {
        refused(draft(MODEL, "snp", "--measurement", SNP_MEASUREMENT), "an snp contract needs a minimum TCB: pass --snp-min-tcb",
                "or --no-snp-min-tcb");
        CliTest.Result ok = draft(MODEL, "snp", "--measurement", SNP_MEASUREMENT, "--no-snp-min-tcb");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.err()).contains("WAIVER in this contract: waivers.no_snp_min_tcb");
        CliTest.Result show = veil("contract", "show", "--contract", dir.resolve("contract.json").toString());
        assertThat(show.out()).contains("waivers.no_snp_min_tcb: accepts SNP firmware and microcode of any TCB version");
        assertThat(show.err()).contains("WAIVER in this contract: waivers.no_snp_min_tcb");
    }

    @Test
    void snpContractRecordsItsMinimumTcb() throws Exception {
        CliTest.Result ok = draft(MODEL, "snp", "--measurement", SNP_MEASUREMENT, "--snp-min-tcb", "bl=3", "--snp-min-tcb", "tee=0",
                "--snp-min-tcb", "snp=8", "--snp-min-tcb", "ucode=115");
        assertThat(ok.code()).as(ok.err()).isZero();
        JsonNode show = json(veil("contract", "show", "--contract", dir.resolve("contract.json").toString()));
        assertThat(show.get("snp_min_tcb").get("snp").asInt()).isEqualTo(8);
        assertThat(show.get("snp_min_tcb").get("ucode").asInt()).isEqualTo(115);
        assertThat(show.get("waivers")).isEmpty();
    }

    @Test
    void showListsEveryWaiverOfATdxContract() throws Exception {
        CliTest.Result ok = draft(MODEL, "tdx", "--measurement", "cd".repeat(48), "--waive-tcb-status", "SWHardeningNeeded",
                "--waive-advisory", "INTEL-SA-00615", "--waive-missing-collateral", "root_ca_crl", "--allow-debug",
                "--min-tcb-evaluation-data-number", "17", "--claim", "rtmr1=" + "c1".repeat(48), "--no-tdx-rtmr-pins");
        assertThat(ok.code()).as(ok.err()).isZero();
        CliTest.Result show = veil("contract", "show", "--contract", dir.resolve("contract.json").toString());
        List<String> waivers = new ArrayList<>();
        json(show).get("waivers").forEach(w -> waivers.add(w.asText()));
        assertThat(waivers).containsExactly(
                "allow_debug: accepts debug TEEs, whose memory the host can read",
                "waivers.no_tdx_rtmr_pins: accepts any OS the host boots on the pinned TDX firmware (not pinned: rtmr0 firmware "
                        + "configuration (ACPI tables, TD HOB), rtmr2 kernel command line and initrd)",
                "waivers.tcb_statuses: accepts Intel TCB status SWHardeningNeeded (not UpToDate)",
                "waivers.advisories: accepts a platform affected by INTEL-SA-00615",
                "waivers.missing_collateral: accepts evidence verified without the Intel Root CA CRL (revoked intermediate CAs are not detected)");
        assertThat(show.out().indexOf("\"waivers\"")).isLessThan(show.out().indexOf("\"model_sha256\""));
        assertThat(show.err().lines().filter(l -> l.contains("WAIVER")).count()).isEqualTo(5);
        assertThat(json(show).get("min_tcb_evaluation_data_number").asInt()).isEqualTo(17);
    }

    /** MRTD measures only the TD firmware: the contract pins what boots on it, or says by name that any OS may. */
    @Test
    void tdxContractNeedsItsRtmrPinsOrTheNamedWaiver() throws Exception {
        String mrtd = "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7";
        refused(draft(MODEL, "tdx", "--measurement", mrtd), "a tdx contract needs the RTMRs of what boots on the firmware",
                "--claim rtmrN=<96 hex>", "(not pinned: rtmr0, rtmr1, rtmr2;", "veil attest verify", "--no-tdx-rtmr-pins");
        refused(draft(MODEL, "tdx", "--measurement", mrtd, "--claim", "rtmr1=" + "c1".repeat(48)), "(not pinned: rtmr0, rtmr2;");
        List<String> pinned = new ArrayList<>(List.of("--measurement", mrtd));
        pinned.addAll(TdxVectorRtmrs.claimOptions("tdx/dcapqvl-tdx_quote.bin"));
        refused(draft(MODEL, "tdx", concat(pinned, "--claim", "rtmr3=" + "AB".repeat(48))),
                "claims.rtmr3 must be 96 lowercase hex digits");
        refused(draft(MODEL, "tdx", concat(pinned, "--no-tdx-rtmr-pins")), "waivers.no_tdx_rtmr_pins contradicts the pins");

        CliTest.Result ok = draft(MODEL, "tdx", pinned.toArray(String[]::new));
        assertThat(ok.code()).as(ok.err()).isZero();
        JsonNode show = json(veil("contract", "show", "--contract", dir.resolve("contract.json").toString()));
        assertThat(show.get("waivers")).isEmpty();
        assertThat(show.get("claims").get("rtmr2").asText()).isEqualTo(TdxVectorRtmrs.pins("tdx/dcapqvl-tdx_quote.bin").get("rtmr2"));

        CliTest.Result anyOs = draft(MODEL, "tdx", "--measurement", mrtd, "--no-tdx-rtmr-pins", "--force");
        assertThat(anyOs.code()).as(anyOs.err()).isZero();
        assertThat(anyOs.err()).contains("WAIVER in this contract: waivers.no_tdx_rtmr_pins: accepts any OS the host boots on the "
                + "pinned TDX firmware");
    }

    private static String[] concat(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void revokedStatusAndUnknownCollateralKindCannotBeWaived() {
        refused(draft(MODEL, "tdx", "--measurement", "cd".repeat(48), "--no-tdx-rtmr-pins", "--waive-tcb-status", "Revoked"),
                "a revoked platform cannot be waived");
        refused(draft(MODEL, "tdx", "--measurement", "cd".repeat(48), "--no-tdx-rtmr-pins", "--waive-missing-collateral", "amd_crl"),
                "waivers.missing_collateral lists 'amd_crl', not a collateral kind of tdx");
        refused(draft(MODEL, "sgx", "--measurement", "cd".repeat(32), "--no-snp-min-tcb"),
                "waivers.no_snp_min_tcb applies to platform snp only");
    }

    @Test
    void limitsAreWrittenAndShown() throws Exception {
        CliTest.Result ok = draft(MODEL, "sim", "--measurement", "cd".repeat(48), "--allow-simulated",
                "--dataset-sha256", "EF".repeat(32), "--max-rows", "500", "--max-inference-seconds", "90");
        assertThat(ok.code()).as(ok.err()).isZero();
        JsonNode show = json(veil("contract", "show", "--contract", dir.resolve("contract.json").toString()));
        assertThat(show.get("dataset_sha256").asText()).isEqualTo("ef".repeat(32));
        assertThat(show.get("max_rows").asLong()).isEqualTo(500);
        assertThat(show.get("max_inference_seconds").asInt()).isEqualTo(90);
        assertThat(show.get("waivers").get(0).asText()).startsWith("allow_simulated");
    }

    @Test
    void limitsDefaultToSessionLimitsDefaults() throws Exception {
        assertThat(draft(MODEL, "sim", "--measurement", "cd".repeat(48), "--allow-simulated").code()).isZero();
        JsonNode show = json(veil("contract", "show", "--contract", dir.resolve("contract.json").toString()));
        assertThat(show.get("dataset_sha256").isNull()).isTrue();
        assertThat(show.get("max_rows").asLong()).isEqualTo(dev.veil.protocol.contract.SessionLimits.DEFAULT_MAX_ROWS);
        assertThat(show.get("max_inference_seconds").asInt()).isEqualTo(dev.veil.protocol.contract.SessionLimits.DEFAULT_MAX_INFERENCE_SECONDS);
    }

    @Test
    void badLimitsAreRefused() {
        refused(draft(MODEL, "sim", "--measurement", "cd".repeat(48), "--allow-simulated", "--dataset-sha256", "abc"),
                "limits.dataset_sha256 must be 64 lowercase hex digits");
        refused(draft(MODEL, "sim", "--measurement", "cd".repeat(48), "--allow-simulated", "--max-rows", "0"),
                "limits.max_rows must be at least 1");
    }

    @Test
    void existingContractIsKeptUnlessForced() throws Exception {
        Path out = dir.resolve("contract.json");
        Files.writeString(out, "a signed contract");
        refused(draft(MODEL, "sim", "--measurement", "cd".repeat(48), "--allow-simulated"), "contract.json exists; choose another --out or pass --force");
        assertThat(Files.readString(out)).isEqualTo("a signed contract");
        assertThat(draft(MODEL, "sim", "--measurement", "cd".repeat(48), "--allow-simulated", "--force").code()).isZero();
        assertThat(Files.readString(out)).contains("\"veil_contract\" : 3");
    }

    @Test
    void signatureIsReadFromTheModelWrittenAndShown() throws Exception {
        CliTest.Result ok = draft(MODEL, "sim", "--measurement", "cd".repeat(48), "--allow-simulated");
        assertThat(ok.code()).as(ok.err()).isZero();
        String expected = "inputs 'x' float32 [p2o.DynamicDimension.0, 3, p2o.DynamicDimension.1, p2o.DynamicDimension.2]; "
                + "outputs 'softmax_0.tmp_0' float32 [p2o.DynamicDimension.3, 2]; max sizes p2o.DynamicDimension.1 4096, "
                + "p2o.DynamicDimension.2 4096";
        assertThat(json(ok).get("model_signature").asText()).isEqualTo(expected);
        assertThat(json(veil("contract", "show", "--contract", dir.resolve("contract.json").toString())).get("model_signature").asText())
                .isEqualTo(expected);
        JsonNode input = new ObjectMapper().readTree(dir.resolve("contract.json").toFile()).at("/contract/model/signature/inputs/0");
        assertThat(input.toString()).isEqualTo("{\"name\":\"x\",\"shape\":[\"p2o.DynamicDimension.0\",3,"
                + "\"p2o.DynamicDimension.1\",\"p2o.DynamicDimension.2\"],\"type\":\"float32\"}");
        CliTest.Result signed = veil("contract", "sign", "--contract", dir.resolve("contract.json").toString(), "--identity",
                dir.resolve("dp.key").toString(), "--role", "data_provider");
        assertThat(signed.code()).as(signed.err()).isZero();
        assertThat(json(signed).get("model_signature").asText()).as("the signer is shown the max sizes it consents to")
                .isEqualTo(expected);
    }

    @Test
    void modelWhoseSignatureCannotBeReadIsRefused() throws Exception {
        // ir_version, then a graph field whose length runs past the end of the file
        Path broken = Files.write(dir.resolve("broken.onnx"), new byte[] {0x08, 0x08, 0x3a, 0x7f, 0x0a});
        refused(draft(broken, "sim", "--measurement", "cd".repeat(48), "--allow-simulated"),
                "--model " + broken + ": the model is not a readable ONNX model: its protobuf has a length-delimited field running past its end");
    }

    /**
     * A model with a fixed batch of 1 and a free point count takes any number of samples as one row, so neither a batch
     * contract's max_rows nor a serving contract's budgets would bound what it answers (SamplesPackedIntoOneRowAttackTest):
     * both drafts are refused in one line naming the input and what to do.
     */
    @Test
    void modelWithAFixedBatchAndAFreePointCountIsRefusedInEitherMode() throws Exception {
        Path fixedBatch = Files.write(dir.resolve("fixed-batch.onnx"), sigmoidOfFixedBatch());
        String named = "model input 'x' float32 [1, L, 3]: its first dimension is fixed and a later one is free";
        refused(draft(fixedBatch, "sim", "--measurement", "cd".repeat(48), "--allow-simulated", "--max-rows", "1", "--output", "npz"),
                "contract " + named, "limits.max_rows would not bound", "export the model with a free batch (first) dimension");
        refused(draft(fixedBatch, "sim", "--measurement", "cd".repeat(48), "--allow-simulated", "--mode", "serving",
                "--rows-per-day", "1", "--rows-total", "1", "--max-rows-per-request", "1"),
                "serving contract " + named, "the budgets would not bound", "export the model with a free batch (first) dimension");
    }

    @Test
    void simWithoutAllowSimulatedIsRefused() {
        refused(draft(MODEL, "sim", "--measurement", "cd".repeat(48)), "allow_simulated is false");
    }

    private CliTest.Result draft(Path model, String platform, String... more) {
        List<String> args = new ArrayList<>(List.of("contract", "draft", "--model", model.toString(),
                "--model-provider", dir.resolve("mp.pub.json").toString(), "--data-provider", dir.resolve("dp.pub.json").toString(),
                "--platform", platform, "--out", dir.resolve("contract.json").toString()));
        if (model.equals(MODEL)) {
            args.addAll(List.of("--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH));
        }
        args.addAll(List.of(more));
        return veil(args.toArray(String[]::new));
    }

    /** x: float32 [1, L, 3] → y: float32 [1, L, 3] = Sigmoid(x). */
    private static byte[] sigmoidOfFixedBatch() {
        Protobuf shape = new Protobuf().message(1, new Protobuf().varint(1, 1)).message(1, new Protobuf().string(2, "L"))
                .message(1, new Protobuf().varint(1, 3));
        Protobuf graph = new Protobuf()
                .message(1, new Protobuf().string(1, "x").string(2, "y").string(3, "sigmoid_y").string(4, "Sigmoid"))
                .string(2, "fixed-batch");
        for (String v : List.of("x", "y")) {
            graph.message(v.equals("x") ? 11 : 12,
                    new Protobuf().string(1, v).message(2, new Protobuf().message(1, new Protobuf().varint(1, 1).message(2, shape))));
        }
        return new Protobuf().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, 13)).toBytes();
    }

    private void refused(CliTest.Result r, String... messages) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        for (String m : messages) {
            assertThat(r.err()).contains(m);
        }
        if (!r.err().contains("exists")) {
            assertThat(dir.resolve("contract.json")).doesNotExist();
        }
    }

    private static JsonNode json(CliTest.Result r) throws Exception {
        return new ObjectMapper().readTree(r.out());
    }
}
