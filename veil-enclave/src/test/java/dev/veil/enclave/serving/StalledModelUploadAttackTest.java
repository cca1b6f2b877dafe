package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A stranger (no identity) starts model uploads to {@code /v1/provision} and never finishes them. Uploads are held
 * apart from data providers' requests: one at a time, in a budget of their own, and refused at their headers by a route
 * that takes no model now.
 */
class StalledModelUploadAttackTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aStalledModelUploadHoldsNoneOfTheDataProvidersBytesAndNoSecondUploadRuns() throws Exception {
        ServerLimits d = ServerLimits.defaults().withMaxRequestBytes(4096);
        long model = 64 * 1024;
        long upload = model + ServerLimits.PROVISION_PREFIX_BYTES;
        ServerLimits limits = new ServerLimits(d.idleTimeout(), d.requestTimeout(), d.modelUploadTimeout(), d.maxHeaderBytes(),
                d.maxRequestBytes(), model, d.maxRequestBytes(), d.maxInFlight(), d.maxConnections(), d.retryAfter(),
                d.maxAnswerBytes());
        ServingMetrics metrics = new ServingMetrics();
        try (ServingServer s = ServingServer.start("127.0.0.1", 0, limits, metrics,
                Map.of(Route.PROVISION, x -> Reply.json(new byte[0]), Route.INFER, x -> Reply.json(x.body(4096))));
             Socket stranger = new Socket("127.0.0.1", s.port())) {
            OutputStream out = stranger.getOutputStream();
            out.write(("POST /v1/provision HTTP/1.1\r\nHost: x\r\nContent-Length: " + upload + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[(int) upload - 1]);
            out.flush();
            HttpResponse<String> second;
            do {   // until the stalled upload holds the one upload slot
                second = post(s, "/v1/provision", "{}");
            } while (second.statusCode() == 200);
            assertThat(second.statusCode()).as("a second upload while one is under way").isEqualTo(503);
            assertThat(second.headers().firstValue("Retry-After")).isPresent();

            // a data provider's request of the largest size still finds every byte of the shared budget
            assertThat(post(s, "/v1/infer", "x".repeat(4000)).statusCode()).isEqualTo(200);
            assertThat(metrics.scrape()).contains("veil_request_bodies_bytes 0.0");
        }
    }

    @Test
    void anUploadToARouteThatTakesNoModelIsRefusedBeforeItsBodyIsRead() throws Exception {
        Endpoint closed = new Endpoint() {
            @Override
            public Reply handle(Exchange x) {
                throw new AssertionError("the body of a refused upload was read and handled");
            }

            @Override
            public ServingFailure refusesAtHeaders(org.eclipse.jetty.http.HttpFields headers) {
                return new ServingFailure(409, dev.veil.protocol.receipt.FailureCode.SESSION_UNAVAILABLE, "takes no model");
            }
        };
        try (ServingServer s = ServingServer.start("127.0.0.1", 0, ServerLimits.defaults(), new ServingMetrics(),
                Map.of(Route.PROVISION, closed));
             Socket stranger = new Socket("127.0.0.1", s.port())) {
            // headers for a gigabyte, and no body at all: the answer comes without waiting for it
            stranger.getOutputStream().write(("POST /v1/provision HTTP/1.1\r\nHost: x\r\nContent-Length: " + (1L << 30) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            stranger.getOutputStream().flush();
            String head = new String(stranger.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 409");
        }
    }

    private static HttpResponse<String> post(ServingServer s, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
