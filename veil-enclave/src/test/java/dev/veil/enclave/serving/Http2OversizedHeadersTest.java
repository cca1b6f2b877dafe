package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Giant headers over HTTP/2 (h2c by upgrade): the header bound that refuses them over HTTP/1.1 (431) holds for
 * HTTP/2 streams too, before any endpoint runs.
 */
class Http2OversizedHeadersTest {
    @Test
    void oversizedHeadersOverHttp2AreRefusedBeforeTheEndpoint() throws Exception {
        Endpoint never = x -> {
            throw new AssertionError("the endpoint ran for a request with oversized headers");
        };
        try (ServingServer s = ServingServer.start("127.0.0.1", 0, ServerLimits.defaults(), new ServingMetrics(), Map.of(Route.ATTEST, never))) {
            HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            URI health = URI.create("http://127.0.0.1:" + s.port() + "/healthz");
            assertThat(h2.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).version())
                    .isEqualTo(HttpClient.Version.HTTP_2);
            HttpRequest big = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/attest"))
                    .header("X-Big", "y".repeat(64 * 1024)).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
            try {
                HttpResponse<String> r = h2.send(big, HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isIn(400, 431);
            } catch (IOException refusedAsAStreamOrConnectionError) {
                // a stream or connection error is a refusal too
            }
            assertThat(h2.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
    }
}
