package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
                Map.of(Route.PROVISION, x -> Reply.json(new byte[0]), Route.INFER, x -> Reply.json(x.body(4096))))) {
            HttpResponse<String> second = null;
            Socket stranger = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            try {
                // until the stalled upload holds the one upload slot: a probe that finds the slot free holds it for a moment,
                // and a stranger's upload arriving in that moment is refused (it is then started again); bounded, never a hang
                while (second == null || second.statusCode() == 200) {
                    assertThat(System.nanoTime()).as("the stalled upload took the upload slot within 60 s").isLessThan(deadline);
                    if (stranger == null || answered(stranger)) {
                        if (stranger != null) {
                            stranger.close();
                        }
                        stranger = stalledUpload(s, upload);
                    }
                    second = post(s, "/v1/provision", "{}");
                }
                assertThat(second.statusCode()).as("a second upload while one is under way").isEqualTo(503);
                assertThat(second.headers().firstValue("Retry-After")).isPresent();

                // a data provider's request of the largest size still finds every byte of the shared budget
                assertThat(post(s, "/v1/infer", "x".repeat(4000)).statusCode()).isEqualTo(200);
                assertThat(metrics.scrape()).contains("veil_request_bodies_bytes 0.0");
            } finally {
                if (stranger != null) {
                    stranger.close();
                }
            }
        }
    }

    /**
     * A model upload of {@code upload} bytes, sent but for its last byte (a refused one may be closed by the server while
     * it is sent: {@link #answered} tells).
     */
    private static Socket stalledUpload(ServingServer s, long upload) throws Exception {
        Socket stranger = new Socket("127.0.0.1", s.port());
        try {
            OutputStream out = stranger.getOutputStream();
            out.write(("POST /v1/provision HTTP/1.1\r\nHost: x\r\nContent-Length: " + upload + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[(int) upload - 1]);
            out.flush();
        } catch (java.io.IOException e) {
            // refused and closed while it was sent
        }
        return stranger;
    }

    /** Whether the server answered on {@code socket} (it refused the upload), waiting at most a moment. */
    private static boolean answered(Socket socket) throws Exception {
        socket.setSoTimeout(50);
        try {
            socket.getInputStream().read();   // an answer's first byte, or the end of the stream: either way refused
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.io.IOException e) {
            return true;   // reset by the server
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
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
