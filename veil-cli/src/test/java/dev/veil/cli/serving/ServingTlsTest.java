package dev.veil.cli.serving;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.CliTest;
import dev.veil.enclave.EnclaveServer;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.enclave.serving.ServerTls;
import dev.veil.enclave.serving.ServingEnclave;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Json;
import dev.veil.provider.TrustedCollateral;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.TlsTrust;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code veil serve --tls-cert --tls-key} with the operator's certificate, issued here by a test CA generated in the
 * test, and the client commands' {@code https://} with {@code --tls-ca}. TLS is the transport's: what it adds is
 * checked here; that requests and answers are sealed whatever the transport is checked by every other serving test.
 */
class ServingTlsTest {
    @TempDir
    Path dir;

    private String p(String name) {
        return dir.resolve(name).toString();
    }

    /** The fixture's enclave, restarted on a free port over TLS with this certificate and key. */
    private static URI startTls(ServingFixture f, Path cert, Path key) throws Exception {
        f.enclave.close();
        f.enclave = ServingEnclave.start(f.contract, f.config.withPort(0), EnclaveServer.evidenceSourceFor(f.config),
                ServerLimits.defaults(), ServerTls.load(cert, key));
        return URI.create("https://127.0.0.1:" + f.enclave.port() + "/");
    }

    /** The contract, the data provider's key and one request's inputs, as the files a data provider has. */
    private void dataProviderFiles(ServingFixture f) throws Exception {
        Files.write(dir.resolve("contract.json"), Json.canonical(f.signed));
        IdentityFiles.writeSecret(ServingFixture.DP, dir.resolve("dp.key"));
        Files.write(dir.resolve("in.npz"), ServingFixture.crops(2, 3));
    }

    @Test
    void inferOverTlsWorksOverHttp11AndHttp2(@TempDir Path work) throws Exception {
        TestTlsPki pki = new TestTlsPki("veil test operator CA");
        pki.writeServer("127.0.0.1", dir.resolve("server.pem"), dir.resolve("server.key"));
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        try (ServingFixture f = new ServingFixture(work)) {
            URI https = startTls(f, dir.resolve("server.pem"), dir.resolve("server.key"));
            ServingClient mp = new ServingClient(https, f.contract, TrustedCollateral.NONE, Clock.systemUTC(), TlsTrust.trusting(ca));
            f.provision(mp);
            dataProviderFiles(f);

            CliTest.Result infer = veil("infer", "--enclave", https.toString(), "--tls-ca", ca.toString(), "--contract", p("contract.json"),
                    "--identity", p("dp.key"), "--data", p("in.npz"), "--out", p("out.npz"));
            assertThat(infer.code()).as(infer.err()).isZero();
            assertThat(dir.resolve("out.npz")).exists();
            CliTest.Result audit = veil("log", "audit", "--enclave", https.toString(), "--tls-ca", ca.toString(), "--contract", p("contract.json"));
            assertThat(audit.code()).as(audit.err()).isZero();
            assertThat(audit.out()).contains("\"tree_size\":1");

            for (HttpClient.Version v : HttpClient.Version.values()) {   // ALPN: h2 when offered, else HTTP/1.1
                HttpResponse<String> health = HttpClient.newBuilder().version(v).sslContext(TlsTrust.trusting(ca)).build()
                        .send(HttpRequest.newBuilder(https.resolve("/healthz")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.version()).isEqualTo(v);
                assertThat(health.body()).contains("\"model\":\"serving\"");
            }
        }
    }

    @Test
    void serverCertificateFromAnotherCaIsRefusedInOneClearLine(@TempDir Path work) throws Exception {
        TestTlsPki operator = new TestTlsPki("veil test operator CA");
        operator.writeServer("127.0.0.1", dir.resolve("server.pem"), dir.resolve("server.key"));
        Path otherCa = new TestTlsPki("another CA").writeCa(dir.resolve("other-ca.pem"));
        try (ServingFixture f = new ServingFixture(work)) {
            URI https = startTls(f, dir.resolve("server.pem"), dir.resolve("server.key"));
            dataProviderFiles(f);
            CliTest.Result r = veil("infer", "--enclave", https.toString(), "--tls-ca", otherCa.toString(), "--contract", p("contract.json"),
                    "--identity", p("dp.key"), "--data", p("in.npz"), "--out", p("out.npz"));
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(r.err()).hasSize(1).first().asString()
                    .contains("presented a TLS certificate from a CA this client does not trust").contains("--tls-ca");
            assertThat(dir.resolve("out.npz")).doesNotExist();
            // and the JDK's trust store does not hold a test CA either
            CliTest.Result system = veil("log", "audit", "--enclave", https.toString(), "--contract", p("contract.json"));
            assertThat(system.code()).isEqualTo(2);
            assertThat(system.err()).contains("from a CA this client does not trust");
            CliTest.Result cleartext = veil("log", "audit", "--enclave", "http://127.0.0.1:" + f.enclave.port(), "--tls-ca",
                    otherCa.toString(), "--contract", p("contract.json"));
            assertThat(cleartext.code()).isEqualTo(2);
            assertThat(cleartext.err().strip().lines()).as(cleartext.err()).hasSize(1).first().asString()
                    .contains("--tls-ca applies to an https:// --enclave only");
        }
    }

    @Test
    void serverCertificateForAnotherHostIsRefusedInOneClearLine(@TempDir Path work) throws Exception {
        TestTlsPki pki = new TestTlsPki("veil test operator CA");
        pki.writeServer("tee.example", dir.resolve("server.pem"), dir.resolve("server.key"));
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        try (ServingFixture f = new ServingFixture(work)) {
            URI https = startTls(f, dir.resolve("server.pem"), dir.resolve("server.key"));
            dataProviderFiles(f);
            CliTest.Result r = veil("infer", "--enclave", https.toString(), "--tls-ca", ca.toString(), "--contract", p("contract.json"),
                    "--identity", p("dp.key"), "--data", p("in.npz"), "--out", p("out.npz"));
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(r.err()).hasSize(1).first().asString().contains("is not for 127.0.0.1");
        }
    }

    @Test
    void tlsKeyReadableByOthersIsRefusedInOneLine() throws Exception {
        TestTlsPki pki = new TestTlsPki("veil test operator CA");
        pki.writeServer("127.0.0.1", dir.resolve("server.pem"), dir.resolve("server.key"));
        Files.setPosixFilePermissions(dir.resolve("server.key"), PosixFilePermissions.fromString("rw-r--r--"));
        CliTest.Result r = veil("serve", "--contract", p("contract.json"), "--tls-cert", p("server.pem"), "--tls-key", p("server.key"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1).first().asString().contains("may be read by others")
                .contains("chmod 600");
    }

    @Test
    void tlsKeyOfAnotherCertificateOrHalfAPairIsRefusedInOneLine() throws Exception {
        TestTlsPki pki = new TestTlsPki("veil test operator CA");
        pki.writeServer("127.0.0.1", dir.resolve("server.pem"), dir.resolve("server.key"));
        pki.writeServer("127.0.0.1", dir.resolve("other.pem"), dir.resolve("other.key"));
        for (String[] tls : new String[][] {{"--tls-cert", p("server.pem"), "--tls-key", p("other.key")},
                {"--tls-cert", p("server.pem")}, {"--tls-cert", p("server.key"), "--tls-key", p("server.key")},
                {"--tls-cert", p("server.pem"), "--tls-key", p("server.pem")}}) {
            String[] args = new String[2 + tls.length];
            args[0] = "serve";
            args[1] = "--contract=" + p("contract.json");
            System.arraycopy(tls, 0, args, 2, tls.length);
            Files.setPosixFilePermissions(dir.resolve("server.pem"), PosixFilePermissions.fromString("rw-------"));
            CliTest.Result r = veil(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        }
    }
}
