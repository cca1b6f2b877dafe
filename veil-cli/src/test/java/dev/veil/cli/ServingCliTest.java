package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.enclave.serving.ServingEnclave;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.SignedServingContract;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The serving flow with the commands a user types: keygen, seal, contract draft --mode serving and sign, then
 * provision, infer, log audit and retire against a sim serving enclave started with 'veil serve''s own settings.
 */
class ServingCliTest {
    static final Path MODEL = Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx");

    @TempDir
    Path dir;

    private String p(String name) {
        return dir.resolve(name).toString();
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"?([^\",}]*)").matcher(json);
        assertThat(m.find()).as(name + " in " + json).isTrue();
        return m.group(1);
    }

    /** 'veil serve' with these arguments, started in-process so the test can stop it. */
    private ServingEnclave serve(String... args) throws Exception {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args);
        EnclaveConfig cfg = serve.settings.config(serve.bind, serve.port);
        ServingContractVerifier.Verified c = ServingContractVerifier.verify(SignedServingContract.read(serve.contract), Instant.now());
        return ServingEnclave.start(c, cfg, EnclaveServer.evidenceSourceFor(cfg), ServerLimits.defaults());
    }

    @Test
    void provisionInferAuditRetireWithTheCommandsAndTheMeasurementEnclaveMeasurePrints() throws Exception {
        String work = p("enclave");
        CliTest.Result measure = veil("enclave", "measure", "--work-dir", work, "--batch-size", "32");
        assertThat(measure.code()).isZero();
        String measurement = field(measure.out(), "measurement");
        assertThat(veil("keygen", "--name", "mp", "--dir", dir.toString()).code()).isZero();
        assertThat(veil("keygen", "--name", "dp", "--dir", dir.toString(), "--key-wrap", "X25519").code()).isZero();
        assertThat(veil("keygen", "--name", "stranger", "--dir", dir.toString()).code()).isZero();
        assertThat(veil("seal", "--in", MODEL.toString(), "--out", p("model.veil"), "--key-out", p("model.key"), "--type", "model").code()).isZero();
        CliTest.Result draft = veil("contract", "draft", "--mode", "serving", "--model", MODEL.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH, "--model-provider", p("mp.pub.json"),
                "--data-provider", p("dp.pub.json"), "--platform", "sim", "--measurement", measurement, "--allow-simulated",
                "--output", "scores", "--rows-per-day", "100", "--rows-total", "1000", "--max-rows-per-request", "8", "--out", p("contract.json"));
        assertThat(draft.code()).as(draft.err()).isZero();
        CliTest.Result sign = veil("contract", "sign", "--contract", p("contract.json"), "--identity", p("mp.key"), "--role", "model_provider");
        assertThat(sign.code()).as(sign.err()).isZero();

        try (ServingEnclave server = serve("--contract", p("contract.json"), "--work-dir", work, "--batch-size", "32", "--port", "0")) {
            String url = "http://127.0.0.1:" + server.port();
            CliTest.Result prov = veil("provision", "--enclave", url, "--contract", p("contract.json"), "--identity", p("mp.key"),
                    "--sealed", p("model.veil"), "--key", p("model.key"), "--state", p("mp-state"));
            assertThat(prov.code()).as(prov.err()).isZero();
            assertThat(field(prov.out(), "measurement")).as("the measurement 'veil serve' presents").isEqualTo(measurement);
            CliTest.Result provisionedTwice = veil("provision", "--enclave", url, "--contract", p("contract.json"), "--identity", p("mp.key"),
                    "--sealed", p("model.veil"), "--key", p("model.key"), "--state", p("mp-state"));
            assertThat(provisionedTwice.code()).isEqualTo(2);
            assertThat(provisionedTwice.err().strip().lines()).as("a refusal that came in the clear is not presented as the enclave's")
                    .singleElement().asString().contains("unauthenticated").doesNotContain("the serving enclave refused");

            Files.write(dir.resolve("in.npz"), Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {2, 3, 48, 192}, new float[2 * 3 * 48 * 192]))));
            CliTest.Result infer = veil("infer", "--enclave", url, "--contract", p("contract.json"), "--identity", p("dp.key"),
                    "--data", p("in.npz"), "--out", p("out.npz"), "--receipt-out", p("receipt.json"));
            assertThat(infer.code()).as(infer.err()).isZero();
            assertThat(Npz.read(Files.readAllBytes(dir.resolve("out.npz")), 1 << 20).get("softmax_0.tmp_0").shape()).containsExactly(2, 2);
            assertThat(Files.readString(dir.resolve("receipt.json"))).contains("\"salts\"");

            CliTest.Result stranger = veil("infer", "--enclave", url, "--contract", p("contract.json"), "--identity", p("stranger.key"),
                    "--data", p("in.npz"), "--out", p("out2.npz"));
            assertThat(stranger.code()).isEqualTo(2);
            assertThat(stranger.err().strip().lines()).hasSize(1).first().asString().contains("not one the serving contract lets query");
            assertThat(dir.resolve("out2.npz")).doesNotExist();
            // the data provider's own collateral, trusted over what the enclave's host sends, as for 'veil join'
            CliTest.Result notDirectory = veil("infer", "--enclave", url, "--contract", p("contract.json"), "--identity", p("dp.key"),
                    "--collateral", p("in.npz"), "--data", p("in.npz"), "--out", p("out-own.npz"));
            assertThat(notDirectory.code()).isEqualTo(2);
            assertThat(notDirectory.err().strip().lines()).hasSize(1).first().asString().contains("--collateral").contains("is not a directory");
            assertThat(dir.resolve("out-own.npz")).doesNotExist();

            CliTest.Result audit = veil("log", "audit", "--enclave", url, "--contract", p("contract.json"), "--head-out", p("head.json"));
            assertThat(audit.code()).as(audit.err()).isZero();
            assertThat(field(audit.out(), "tree_size")).isEqualTo("1");
            assertThat(veil("infer", "--enclave", url, "--contract", p("contract.json"), "--identity", p("dp.key"),
                    "--data", p("in.npz"), "--out", p("out3.npz")).code()).isZero();
            CliTest.Result again = veil("log", "audit", "--enclave", url, "--contract", p("contract.json"), "--previous", p("head.json"));
            assertThat(again.code()).as(again.err()).isZero();
            assertThat(again.out()).contains("\"consistent_with_previous\":true").contains("\"tree_size\":2");

            CliTest.Result notMp = veil("retire", "--enclave", url, "--contract", p("contract.json"), "--identity", p("dp.key"),
                    "--receipt-out", p("discard.json"));
            assertThat(notMp.code()).isEqualTo(2);
            assertThat(notMp.err()).contains("not the serving contract's model provider");
            CliTest.Result retire = veil("retire", "--enclave", url, "--contract", p("contract.json"), "--identity", p("mp.key"),
                    "--receipt-out", p("discard.json"));
            assertThat(retire.code()).as(retire.err()).isZero();
            assertThat(retire.out()).contains("\"requests_served\":2").contains("\"rows_served\":4").contains("\"final_tree_size\":2");
            CliTest.Result after = veil("infer", "--enclave", url, "--contract", p("contract.json"), "--identity", p("dp.key"),
                    "--data", p("in.npz"), "--out", p("out4.npz"));
            assertThat(after.code()).isEqualTo(2);
            assertThat(after.err()).contains("session_unavailable");
        }
    }

    @Test
    void badInputIsOneLineAndExit2() throws Exception {
        assertThat(veil("keygen", "--name", "mp", "--dir", dir.toString()).code()).isZero();
        Files.writeString(dir.resolve("contract.json"), "{\"not\":\"a contract\"}");
        for (String[] args : new String[][] {
                {"serve", "--contract", p("contract.json")},
                {"serve", "--contract", p("missing.json")},
                {"provision", "--enclave", "not a url", "--contract", p("contract.json"), "--identity", p("mp.key"), "--sealed", p("m"), "--key", p("k")},
                {"infer", "--enclave", "http://127.0.0.1:1", "--contract", p("contract.json"), "--identity", p("mp.key"), "--data", p("missing.npz"), "--out", p("o.npz")},
                {"retire", "--enclave", "http://127.0.0.1:1", "--contract", p("contract.json"), "--identity", p("mp.key"), "--receipt-out", p("r.json")},
                {"log", "audit", "--enclave", "127.0.0.1:1", "--contract", p("contract.json")}}) {
            CliTest.Result r = veil(args);
            assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        }
        assertThat(dir.resolve("r.json")).doesNotExist();
    }
}
