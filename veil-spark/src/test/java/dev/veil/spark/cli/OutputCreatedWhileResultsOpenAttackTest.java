package dev.veil.spark.cli;

import static dev.veil.spark.cli.Parties.launcher;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.broker.OwnerUnwrapMessages;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 'veil batch open' checks that --out does not exist, then spends its broker round trips and the decryption before it
 * writes. Someone with write access to --out's directory (a shared one, or the results directory itself) makes a file
 * there in between: it was replaced. Here the file appears when the data provider's broker is first asked to unwrap.
 */
class OutputCreatedWhileResultsOpenAttackTest {
    @TempDir
    Path dir;

    @Test
    void aFileMadeAtTheOutputWhileTheResultsAreOpenedIsKept() throws Exception {
        byte[] model = DigitsDemo.trainModel(5, 1);
        Files.write(dir.resolve("rows.csv"), DigitsDemo.evaluationCsv(1));
        try (Parties p = new Parties(dir, model)) {
            Parties.Run batch = p.sealAndRunBatch("rows.csv", "400", "local[1]", "64");
            assertThat(batch.exit()).as(batch.err()).isZero();

            Path results = dir.resolve("results.csv");
            HttpServer proxy = forwardingTo(URI.create(p.dpUrl), results);
            try {
                String url = "http://127.0.0.1:" + proxy.getAddress().getPort() + "/";
                Parties.Run opened = launcher("batch", "open", "--in", p.path("out"), "--contract", p.path("contract.json"), "--broker",
                        url, "--identity", p.path("dp.key"), "--data", p.path("data"), "--out", results.toString());
                assertThat(opened.exit()).as(opened.err()).isEqualTo(2);
                assertThat(opened.err().lines().toList()).singleElement().satisfies(line -> assertThat(line)
                        .startsWith("veil: --out ").contains("appeared while the results were opened"));
            } finally {
                proxy.stop(0);
            }
            assertThat(Files.readString(results)).isEqualTo("someone else's file");
        }
    }

    /** A proxy to the broker at {@code broker} that makes {@code planted} at the first owner unwrap it forwards. */
    private static HttpServer forwardingTo(URI broker, Path planted) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        AtomicBoolean done = new AtomicBoolean();
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (path.equals(OwnerUnwrapMessages.UNWRAP) && done.compareAndSet(false, true)) {
                    Files.writeString(planted, "someone else's file");
                }
                byte[] body = exchange.getRequestBody().readAllBytes();
                HttpRequest.Builder b = HttpRequest.newBuilder(broker.resolve(exchange.getRequestURI().toString().substring(1)));
                String type = exchange.getRequestHeaders().getFirst("Content-Type");
                if (type != null) {
                    b.header("Content-Type", type);
                }
                HttpResponse<byte[]> r = http.send(exchange.getRequestMethod().equals("POST")
                        ? b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build() : b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                r.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().set("Content-Type", v));
                exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                exchange.getResponseBody().write(r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        s.start();
        return s;
    }
}
