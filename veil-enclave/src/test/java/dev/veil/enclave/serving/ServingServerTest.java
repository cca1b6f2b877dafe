package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.receipt.FailureCode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ServingServerTest {
    private static final HttpClient HTTP1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static ServingServer start(ServerLimits limits, ServingMetrics metrics, Map<Route, Endpoint> endpoints) throws Exception {
        return ServingServer.start("127.0.0.1", 0, limits, metrics, endpoints);
    }

    private static URI uri(ServingServer s, String path) {
        return URI.create("http://127.0.0.1:" + s.port() + path);
    }

    @Test
    void http11KeepAliveAndHttp2ServeOnOneConnector() throws Exception {
        try (ServingServer s = start(ServerLimits.defaults(), new ServingMetrics(), Map.of())) {
            for (int i = 0; i < 3; i++) {   // one client, one kept-alive connection
                HttpResponse<String> r = HTTP1.send(HttpRequest.newBuilder(uri(s, "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
                assertThat(r.body()).isEqualTo("{\"status\":\"ok\"}");
            }
            HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            HttpResponse<String> upgraded = h2.send(HttpRequest.newBuilder(uri(s, "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(upgraded.version()).isEqualTo(HttpClient.Version.HTTP_2);

            // h2c by prior knowledge: the connection preface, then an empty SETTINGS frame; the server answers SETTINGS.
            try (Socket raw = new Socket("127.0.0.1", s.port())) {
                OutputStream out = raw.getOutputStream();
                out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
                out.flush();
                byte[] head = raw.getInputStream().readNBytes(9);
                assertThat(head[3]).as("frame type of the server's first HTTP/2 frame").isEqualTo((byte) 4);
            }
        }
    }

    @Test
    void overloadIsAnswered503WithRetryAfterNotQueued() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Endpoint slow = x -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Reply.json("{}".getBytes(StandardCharsets.US_ASCII));
        };
        ServingMetrics metrics = new ServingMetrics();
        try (ServingServer s = start(ServerLimits.defaults().withMaxInFlight(1), metrics, Map.of(Route.ATTEST, slow))) {
            HttpRequest post = HttpRequest.newBuilder(uri(s, "/v1/attest")).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
            CompletableFuture<HttpResponse<String>> first = HttpClient.newHttpClient().sendAsync(post, HttpResponse.BodyHandlers.ofString());
            entered.await();
            HttpResponse<String> second = HTTP1.send(post, HttpResponse.BodyHandlers.ofString());
            assertThat(second.statusCode()).isEqualTo(503);
            assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(second.body()).contains("\"error\":\"overloaded\"");
            // the operator's routes still answer while the server sheds load
            assertThat(HTTP1.send(HttpRequest.newBuilder(uri(s, "/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
            release.countDown();
            assertThat(first.get().statusCode()).isEqualTo(200);
            assertThat(HTTP1.send(post, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            assertThat(metrics.scrape()).contains("veil_failures_total{reason=\"overloaded\"} 1.0");
        }
    }

    @Test
    void thousandIdleConnectionsDoNotStopAnHonestRequest() throws Exception {
        Endpoint echo = x -> Reply.json(x.body(1024));
        try (ServingServer s = start(ServerLimits.defaults(), new ServingMetrics(), Map.of(Route.ATTEST, echo))) {
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) {
                    Socket k = new Socket("127.0.0.1", s.port());
                    if (i % 2 == 0) {   // half say nothing, half stop in the middle of their headers
                        k.getOutputStream().write("POST /v1/attest HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                        k.getOutputStream().flush();
                    }
                    idle.add(k);
                }
                HttpResponse<String> r = HTTP1.send(HttpRequest.newBuilder(uri(s, "/v1/attest"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"honest\":true}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("{\"honest\":true}");
            } finally {
                for (Socket k : idle) {
                    k.close();
                }
            }
        }
    }

    @Test
    void idleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (ServingServer s = start(ServerLimits.defaults().withIdleTimeout(java.time.Duration.ofMillis(300)), new ServingMetrics(), Map.of());
             Socket k = new Socket("127.0.0.1", s.port())) {
            k.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = k.getInputStream();
            // the server closes the connection (end of stream) instead of waiting for the rest forever
            in.readAllBytes();
        }
    }

    @Test
    void oversizedHeadersAndBodiesAreRefusedBeforeTheEndpoint() throws Exception {
        Endpoint echo = x -> Reply.json(x.body(ServerLimits.defaults().withMaxRequestBytes(2048).maxRequestBytes()));
        try (ServingServer s = start(ServerLimits.defaults(), new ServingMetrics(), Map.of(Route.ATTEST, echo))) {
            HttpResponse<String> big = HTTP1.send(HttpRequest.newBuilder(uri(s, "/v1/attest"))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(4096))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(big.statusCode()).isEqualTo(413);
            HttpResponse<String> header = HTTP1.send(HttpRequest.newBuilder(uri(s, "/healthz")).header("X-Big", "y".repeat(10_000)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(header.statusCode()).isEqualTo(431);
            HttpResponse<String> get = HTTP1.send(HttpRequest.newBuilder(uri(s, "/v1/attest")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void metricsCarryNoRequestDerivedLabels() throws Exception {
        Endpoint failing = x -> {
            throw new ServingFailure(403, FailureCode.CONTRACT_REFUSED, "secret-message-text");
        };
        Endpoint crashing = x -> {
            throw new IllegalStateException("secret-exception-text");
        };
        ServingMetrics metrics = new ServingMetrics();
        try (ServingServer s = start(ServerLimits.defaults(), metrics, Map.of(Route.ATTEST, failing, Route.INFER, crashing))) {
            HTTP1.send(HttpRequest.newBuilder(uri(s, "/secret-path?secret-query=1")).build(), HttpResponse.BodyHandlers.ofString());
            HTTP1.send(HttpRequest.newBuilder(uri(s, "/v1/attest")).header("X-Secret", "secret-header")
                    .POST(HttpRequest.BodyPublishers.ofString("secret-body")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> crash = HTTP1.send(HttpRequest.newBuilder(uri(s, "/v1/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString("secret-body")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(crash.statusCode()).isEqualTo(500);
            assertThat(crash.body()).doesNotContain("secret");
            String text = HTTP1.send(HttpRequest.newBuilder(uri(s, "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(text).doesNotContain("secret").contains("veil_request_latency_seconds_bucket");
            Set<String> allowed = new HashSet<>();
            Stream.of(Route.values()).map(Route::label).forEach(allowed::add);
            allowed.add(ServingMetrics.UNKNOWN_ROUTE);
            Stream.of(FailureCode.values()).map(FailureCode::id).forEach(allowed::add);
            Stream.of(Refusal.values()).map(Refusal::id).forEach(allowed::add);
            Stream.of(InferStage.values()).map(InferStage::label).forEach(allowed::add);
            Set.of("1xx", "2xx", "3xx", "4xx", "5xx").forEach(allowed::add);
            Matcher m = Pattern.compile("(route|status|reason|stage)=\"([^\"]*)\"").matcher(text);
            Set<String> seen = new HashSet<>();
            while (m.find()) {
                seen.add(m.group(2));
            }
            assertThat(seen).isNotEmpty().isSubsetOf(allowed);
            Set<String> labelNames = Pattern.compile("([a-z_]+)=\"").matcher(text).results().map(r -> r.group(1)).collect(Collectors.toSet());
            assertThat(labelNames).isSubsetOf("route", "status", "reason", "stage", "le");
        }
    }
}
