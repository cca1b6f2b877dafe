package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Slowloris on the body (issue 8 item 7 and Tests: "slow and idle clients do not starve others"). The dispatcher takes
 * an admission slot (of {@code max_in_flight}, 64 by default) before the endpoint reads the body, and the endpoint reads
 * it blocking on a pool thread. A client that sends complete headers for POST /v1/infer with a Content-Length, then
 * part of the body, holds a slot for as long as it keeps the connection alive; one byte per idle timeout (30 s) keeps
 * it alive forever. max_in_flight such connections (64 sockets, no valid request, no identity needed) and every honest
 * data provider is answered 503 for as long as the attacker likes. The header timeout does not help: the headers are
 * complete.
 *
 * <p>Safe behaviour: a request whose body has not arrived holds no admission slot (the body is read before admission,
 * bounded by the connection limit and the request size), or a minimum upload rate closes it; either way an honest
 * request is answered while stalled uploads wait. Before the fix the honest request got 503 overloaded.
 *
 * <p>The honest request goes once the server holds both stalled requests, seen in its metrics: either both hold an
 * admission slot (the attack works) or both hold their partial bodies (read ahead of admission).
 */
class SlowBodyAttackTest {
    @Test
    void stalledRequestBodiesDoNotHoldEveryAdmissionSlot() throws Exception {
        int slots = 2;
        Endpoint echo = x -> Reply.json(x.body(1024));
        ServingMetrics metrics = new ServingMetrics();
        try (ServingServer s = ServingServer.start("127.0.0.1", 0, ServerLimits.defaults().withMaxInFlight(slots), metrics,
                Map.of(Route.INFER, echo))) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < slots; i++) {
                    Socket k = new Socket("127.0.0.1", s.port());
                    k.getOutputStream().write(("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"partial\":")
                            .getBytes(StandardCharsets.US_ASCII));
                    k.getOutputStream().flush();
                    slow.add(k);
                }
                while (gauge(metrics, "veil_requests_in_flight") < slots && gauge(metrics, "veil_request_bodies_bytes") < slots * 1000) {
                    Thread.sleep(10);   // until the server holds both stalled requests, one way or the other
                }
                HttpResponse<String> honest = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/infer"))
                                .POST(HttpRequest.BodyPublishers.ofString("{\"honest\":true}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(honest.statusCode()).as("an honest request while %d uploads stall mid-body", slots).isEqualTo(200);
                assertThat(honest.body()).isEqualTo("{\"honest\":true}");
            } finally {
                for (Socket k : slow) {
                    k.close();
                }
            }
        }
    }

    /**
     * A trickle that keeps the connection from idling does not keep the request alive: the deadline counts from the
     * headers for the whole body, not per read. Without it, the bytes below (one each 200 ms, far inside the idle
     * timeout) would be read until the body is complete.
     */
    @Test
    void aTrickledBodyIsAnswered408AtItsDeadline() throws Exception {
        ServerLimits limits = ServerLimits.defaults().withRequestTimeout(java.time.Duration.ofSeconds(1));
        try (ServingServer s = ServingServer.start("127.0.0.1", 0, limits, new ServingMetrics(), Map.of(Route.INFER, x -> Reply.json(x.body(1024))));
             Socket k = new Socket("127.0.0.1", s.port())) {
            k.getOutputStream().write("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            try {
                for (int i = 0; i < 100 && k.getInputStream().available() == 0; i++) {
                    k.getOutputStream().write(' ');
                    k.getOutputStream().flush();
                    Thread.sleep(200);
                }
            } catch (java.io.IOException closedByTheServer) {
                // the answer is in; read it below
            }
            String head = new String(k.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).as("the answer to a body trickled past its deadline").isEqualTo("HTTP/1.1 408");
        }
    }

    /**
     * Bodies are read before admission, so the bytes they hold are bounded over all connections: a body that would go
     * over is refused 503 instead of growing memory with the number of connections.
     */
    @Test
    void bodiesOverTheBoundOnBytesHeldAreAnswered503() throws Exception {
        ServerLimits d = ServerLimits.defaults().withMaxRequestBytes(4096);
        long bound = d.maxRequestBytes();   // one request's worth, the least the limits accept (model uploads are held apart)
        ServerLimits limits = new ServerLimits(d.idleTimeout(), d.requestTimeout(), d.modelUploadTimeout(), d.maxHeaderBytes(),
                d.maxRequestBytes(), 1024, bound, d.maxInFlight(), d.maxConnections(), d.retryAfter(),
                d.maxAnswerBytes());
        try (ServingServer s = ServingServer.start("127.0.0.1", 0, limits, new ServingMetrics(), Map.of(Route.INFER, x -> Reply.json(new byte[0])));
             Socket holder = new Socket("127.0.0.1", s.port())) {
            // One request sends all but the last byte of the largest body: it holds the whole bound while it waits.
            holder.getOutputStream().write(("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " + bound + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            holder.getOutputStream().write(new byte[(int) bound - 1]);
            holder.getOutputStream().flush();
            HttpResponse<String> next;
            do {
                next = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/infer"))
                                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            } while (next.statusCode() == 200);   // until the first upload's bytes are held
            assertThat(next.statusCode()).isEqualTo(503);
            assertThat(next.headers().firstValue("Retry-After")).isPresent();
        }
    }

    private static double gauge(ServingMetrics metrics, String name) {
        return metrics.scrape().lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElse(0);
    }
}
