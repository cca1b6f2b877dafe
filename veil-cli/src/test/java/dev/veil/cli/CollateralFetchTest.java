package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `veil attest verify --fetch` against stand-ins for AMD KDS and Intel PCS on loopback, serving the public collateral
 * from testdata/vectors: the URLs the fetcher builds, the issuer-chain headers, and the cache that makes a second run
 * work with the services gone.
 */
class CollateralFetchTest {
    static final Path V = Path.of(System.getProperty("veil.testdata.dir"), "vectors");
    @TempDir
    Path dir;
    final List<String> requests = new CopyOnWriteArrayList<>();

    HttpServer serve(Map<String, Path> bodies, Map<String, String[]> headers) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            String key = ex.getRequestURI().toString();
            requests.add(key);
            Path body = bodies.get(key);
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            String[] h = headers.get(key);
            if (h != null) {
                ex.getResponseHeaders().add(h[0], h[1]);
            }
            byte[] b = Files.readAllBytes(body);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        s.start();
        return s;
    }

    @Test
    void tdxCollateralIsFetchedFromPcsThenServedFromTheCache() throws Exception {
        Path col = V.resolve("tdx/dcapqvl-tdx_quote.collateral");
        String tcbChain = URLEncoder.encode(Files.readString(col.resolve("tcb_info_issuer_chain.pem")), StandardCharsets.UTF_8);
        String qeChain = URLEncoder.encode(Files.readString(col.resolve("qe_identity_issuer_chain.pem")), StandardCharsets.UTF_8);
        String crlChain = URLEncoder.encode(Files.readString(col.resolve("pck_crl_issuer_chain.pem")), StandardCharsets.UTF_8);
        HttpServer s = serve(Map.of(
                "/tdx/certification/v4/tcb?fmspc=B0C06F000000", col.resolve("tcbinfo_response.json"),
                "/tdx/certification/v4/qe/identity", col.resolve("qeidentity_response.json"),
                "/sgx/certification/v4/pckcrl?ca=platform&encoding=der", col.resolve("pck_crl.der"),
                "/IntelSGXRootCA.der", col.resolve("root_ca_crl.der")),
                Map.of("/tdx/certification/v4/tcb?fmspc=B0C06F000000", new String[] {"TCB-Info-Issuer-Chain", tcbChain},
                        "/tdx/certification/v4/qe/identity", new String[] {"SGX-Enclave-Identity-Issuer-Chain", qeChain},
                        "/sgx/certification/v4/pckcrl?ca=platform&encoding=der", new String[] {"SGX-PCK-CRL-Issuer-Chain", crlChain}));
        String base = "http://127.0.0.1:" + s.getAddress().getPort();
        String[] args = {"attest", "verify", "--platform", "tdx", "--evidence", V.resolve("tdx/dcapqvl-tdx_quote.bin").toString(),
                "--fetch", "--pcs", base, "--root-crl", base + "/IntelSGXRootCA.der", "--cache", dir.toString(),
                "--at", "2025-07-19T10:00:34Z", "--dry-run"};
        try {
            CliTest.Result r = veil(args);
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("\"tcb_status\" : \"UpToDate\"").contains("Intel SGX Root CA CRL");
        } finally {
            s.stop(0);
        }
        assertThat(requests).hasSize(4);
        CliTest.Result cached = veil(args);   // the services are gone; the cache answers
        assertThat(cached.code()).as(cached.err()).isZero();
        assertThat(cached.out()).contains("\"tcb_status\" : \"UpToDate\"");
    }

    @Test
    void snpVcekUrlNamesProductChipAndReportedTcb() throws Exception {
        String chip = "d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc15d7af38db757039029f0efacfd08e244324884738c72b082e2f87a44d541eb6";
        String path = "/vcek/v1/Milan/" + chip + "?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115";
        // AMD's ARK-signed CRL is fetched too; testdata has no copy, so a CRL from a test CA stands in for its bytes
        Path crl = Files.write(Files.createTempFile("amd", ".crl"), dev.veil.cli.platforms.TestCrl.fromTestCa());
        HttpServer s = serve(Map.of(path, V.resolve("sev-snp/virtee-milan-vcek.der"), "/vcek/v1/Milan/crl", crl), Map.of());
        try {
            CliTest.Result needsProduct = veil("attest", "verify", "--platform", "snp", "--evidence", V.resolve("sev-snp/virtee-milan-report.bin").toString(),
                    "--fetch", "--kds", "http://127.0.0.1:" + s.getAddress().getPort(), "--cache", dir.toString());
            assertThat(needsProduct.code()).isEqualTo(2);
            assertThat(needsProduct.err()).contains("--snp-product");
            CliTest.Result r = veil("attest", "verify", "--platform", "snp", "--evidence", V.resolve("sev-snp/virtee-milan-report.bin").toString(),
                    "--fetch", "--kds", "http://127.0.0.1:" + s.getAddress().getPort(), "--cache", dir.toString(), "--snp-product", "milan",
                    "--at", "2026-06-01T00:00:00Z", "--dry-run");
            assertThat(r.code()).as(r.err()).isZero();
        } finally {
            s.stop(0);
        }
        assertThat(requests).containsExactly(path, "/vcek/v1/Milan/crl");
    }

    @Test
    void unreachableServiceIsOneClearLine() {
        CliTest.Result r = veil("attest", "verify", "--platform", "tdx", "--evidence", V.resolve("tdx/dcapqvl-tdx_quote.bin").toString(),
                "--fetch", "--pcs", "http://127.0.0.1:9", "--cache", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("cannot fetch http://127.0.0.1:9/tdx/certification/v4/tcb?fmspc=B0C06F000000");
    }

    @Test
    void enclaveWhosePccsIsDownStopsAtStartWithOneLine() throws Exception {
        Path gramine = Files.createDirectories(dir.resolve("attestation"));
        Files.writeString(gramine.resolve("attestation_type"), "dcap");
        Files.write(gramine.resolve("quote"), Files.readAllBytes(V.resolve("sgx/dcapqvl-sgx_quote.bin")));
        CliTest.Result r = veil("enclave", "run", "--platform", "sgx", "--evidence-root", gramine.toString(), "--port", "0",
                "--work-dir", dir.resolve("work").toString(), "--pccs", "http://127.0.0.1:9", "--root-crl", "http://127.0.0.1:9/root.crl");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).contains("cannot start the enclave on sgx: cannot fetch http://127.0.0.1:9/sgx/certification/v4/tcb?fmspc=")
                .contains("check the URL");
    }

    @Test
    void joinWhoseOwnPccsIsDownReleasesNothingAndSaysSoInOneLine() throws Exception {
        JoinFixture f = JoinFixture.create(dir);
        // a tdx contract for the recorded quote's MRTD and RTMRs, signed by both providers
        Path contract = dir.resolve("tdx-contract.json");
        List<String> draftArgs = new ArrayList<>(List.of("contract", "draft", "--model", Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx").toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH,
                "--model-provider", dir.resolve("mp.pub.json").toString(), "--data-provider", dir.resolve("dp.pub.json").toString(),
                "--platform", "tdx", "--measurement", "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7",
                "--output", "scores", "--out", contract.toString()));
        draftArgs.addAll(TdxVectorRtmrs.claimOptions("tdx/dcapqvl-tdx_quote.bin"));
        CliTest.Result draft = veil(draftArgs.toArray(String[]::new));
        assertThat(draft.code()).as(draft.err()).isZero();
        veil("contract", "sign", "--contract", contract.toString(), "--identity", dir.resolve("mp.key").toString(), "--role", "model_provider");
        veil("contract", "sign", "--contract", contract.toString(), "--identity", dir.resolve("dp.key").toString(), "--role", "data_provider");
        Path tsm = Files.createDirectories(dir.resolve("tsm"));
        Path entry = Files.createDirectories(tsm.resolve("veil"));   // a configfs-tsm entry as the kernel fills it
        Files.writeString(entry.resolve("provider"), "tdx_guest\n");
        Files.writeString(entry.resolve("generation"), "1\n");
        Files.write(entry.resolve("outblob"), Files.readAllBytes(V.resolve("tdx/dcapqvl-tdx_quote.bin")));
        var cfg = new dev.veil.enclave.EnclaveConfig(dev.veil.attest.Platform.TDX, "127.0.0.1", 0, dir.resolve("work"), 64, 1, 1 << 20, 1 << 20,
                java.time.Duration.ofSeconds(10), false);
        try (var server = dev.veil.enclave.EnclaveServer.start(cfg, new dev.veil.enclave.evidence.ConfigfsTsmSource(dev.veil.attest.Platform.TDX, tsm, () -> "veil"))) {
            String[] join = f.modelProvider("127.0.0.1:" + server.port(), "--pccs", "http://127.0.0.1:9", "--root-crl", "http://127.0.0.1:9/r.crl",
                    "--collateral-cache", dir.resolve("cache").toString());
            join[java.util.Arrays.asList(join).indexOf("--contract") + 1] = contract.toString();
            CliTest.Result r = veil(join);
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines().filter(l -> l.startsWith("veil:")).toList()).singleElement().asString()
                    .contains("cannot get your own collateral for the enclave's evidence: cannot fetch http://127.0.0.1:9/tdx/certification/v4/tcb?fmspc=B0C06F000000");
        }
        assertThat(dir.resolve("mp-state").resolve("completed-contracts")).as("no key was released").doesNotExist();
    }
}
