package dev.veil.enclave.evidence;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback stand-in for Intel PCS/PCCS and AMD KDS: answers the paths it was given with fixed bodies (and issuer-chain
 * headers), 404 otherwise, and records every request. Nothing here reaches the internet.
 */
public final class FakeCollateralServices implements AutoCloseable {
    /** The path of the Root CA CRL on this stand-in (Intel serves it from another host; here it is one server). */
    public static final String ROOT_CRL_PATH = "/IntelSGXRootCA.der";

    private final HttpServer server;
    private final Map<String, byte[]> bodies = new ConcurrentHashMap<>();
    private final Map<String, String[]> headers = new ConcurrentHashMap<>();
    public final List<String> requests = new CopyOnWriteArrayList<>();

    public FakeCollateralServices() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String key = ex.getRequestURI().toString();
            requests.add(key);
            byte[] body = bodies.get(key);
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            String[] h = headers.get(key);
            if (h != null) {
                ex.getResponseHeaders().add(h[0], h[1]);
            }
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public FakeCollateralServices serve(String path, byte[] body) {
        bodies.put(path, body);
        return this;
    }

    public FakeCollateralServices serve(String path, byte[] body, String chainHeader, Path chainPem) throws IOException {
        bodies.put(path, body);
        headers.put(path, new String[] {chainHeader, URLEncoder.encode(Files.readString(chainPem), StandardCharsets.UTF_8)});
        return this;
    }

    /** Serves the real collateral of testdata's dcap-qvl TDX quote (FMSPC B0C06F000000, platform CA) as PCS v4 does. */
    public static FakeCollateralServices intelForDcapQvlTdxQuote() throws IOException {
        Path col = Path.of(System.getProperty("veil.testdata.dir"), "vectors", "tdx", "dcapqvl-tdx_quote.collateral");
        FakeCollateralServices s = new FakeCollateralServices();
        s.serve("/tdx/certification/v4/tcb?fmspc=B0C06F000000", Files.readAllBytes(col.resolve("tcbinfo_response.json")),
                "TCB-Info-Issuer-Chain", col.resolve("tcb_info_issuer_chain.pem"));
        s.serve("/tdx/certification/v4/qe/identity", Files.readAllBytes(col.resolve("qeidentity_response.json")),
                "SGX-Enclave-Identity-Issuer-Chain", col.resolve("qe_identity_issuer_chain.pem"));
        s.serve("/sgx/certification/v4/pckcrl?ca=platform&encoding=der", Files.readAllBytes(col.resolve("pck_crl.der")),
                "SGX-PCK-CRL-Issuer-Chain", col.resolve("pck_crl_issuer_chain.pem"));
        s.serve(ROOT_CRL_PATH, Files.readAllBytes(col.resolve("root_ca_crl.der")));
        return s;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
