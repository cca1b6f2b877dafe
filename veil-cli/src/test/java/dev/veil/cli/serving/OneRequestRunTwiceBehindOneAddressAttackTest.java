package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.protocol.servinghttp.ErrorBody;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (review of the serving replicas, finding 2): two replicas behind one address, the documented Service. The load
 * balancer sends a data provider's sealed request to replica A, which runs it and charges it; it withholds A's sealed
 * answer and replies itself, unsealed, 503 with a {@code Veil-Instance-Keys} header naming other keys; and from then on
 * routes the address to replica B. The client used to appraise the address again (B: other keys than those it sealed
 * to), conclude that the request never opened, and send it again, to B, which ran and charged it a second time. Other
 * keys at the address show only that B is not A.
 */
class OneRequestRunTwiceBehindOneAddressAttackTest {
    private static final ServingBudget AMPLE = new ServingBudget(10_000L, 100_000L);

    @Test
    void anUnsealedAnswerNamingOtherKeysNeverHasTheRequestRunAgain(@TempDir Path dir) throws Exception {
        try (ServingReplicas set = new ServingReplicas(dir, AMPLE, 2)) {
            URI a = set.startInProcess(set.config);
            URI b = set.startInProcess(set.config);
            set.provision(a);
            set.provision(b);
            try (SwitchingBalancer balancer = new SwitchingBalancer(a, b)) {
                ServingClient dp = new ServingClient(balancer.uri(), set.contract);
                Throwable failed = catchThrowable(() -> dp.infer(ServingFixture.DP, ServingFixture.crops(3, 7)));
                assertThat(failed).isInstanceOf(ServingRefused.class);
            }
            assertThat(set.answered(a)).as("replica A ran the request").isEqualTo(1);
            assertThat(set.answered(b)).as("replica B must not run it again").isZero();
        }
    }

    /**
     * A load balancer at one address: every request goes to {@code first} until the first inference, which it forwards
     * there and answers itself (503, other instance keys); then every request goes to {@code then}.
     */
    private static final class SwitchingBalancer implements AutoCloseable {
        private final HttpServer server;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final AtomicReference<URI> target;
        private final URI then;

        SwitchingBalancer(URI first, URI then) throws IOException {
            this.target = new AtomicReference<>(first);
            this.then = then;
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", this::forward);
            server.start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        }

        private void forward(HttpExchange x) throws IOException {
            try (x) {
                byte[] body = x.getRequestBody().readAllBytes();
                URI to = target.get();
                HttpRequest.Builder b = HttpRequest.newBuilder(to.resolve(x.getRequestURI().toString()))
                        .method(x.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
                String type = x.getRequestHeaders().getFirst("Content-Type");
                if (type != null) {
                    b.header("Content-Type", type);
                }
                HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                if (x.getRequestURI().getPath().equals("/v1/infer") && target.compareAndSet(to, then) && to != then) {
                    byte[] refusal = "{\"error\":\"session_unavailable\",\"message\":\"the instance restarted\"}".getBytes(StandardCharsets.UTF_8);
                    x.getResponseHeaders().set("Content-Type", "application/json");
                    x.getResponseHeaders().set(ErrorBody.INSTANCE_HEADER, "00".repeat(32));
                    x.sendResponseHeaders(503, refusal.length);
                    x.getResponseBody().write(refusal);
                    return;
                }
                for (String h : new String[] {"Content-Type", "Retry-After", ErrorBody.INSTANCE_HEADER}) {
                    r.headers().firstValue(h).ifPresent(v -> x.getResponseHeaders().set(h, v));
                }
                x.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                x.getResponseBody().write(r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
