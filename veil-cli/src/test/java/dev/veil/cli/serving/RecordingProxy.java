package dev.veil.cli.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.veil.protocol.servinghttp.ErrorBody;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP proxy in front of one replica that keeps every request body sent to {@code /v1/infer}; with
 * {@code loseAnswers}, it forwards each such request (so the replica runs it and counts it) and then closes the
 * connection instead of passing the answer on: an answer lost on the way back; with {@code sealedRefusalsAs503}, it
 * passes on an inference's sealed refusal with its (unauthenticated) status rewritten to 503.
 */
final class RecordingProxy implements AutoCloseable {
    private static final List<String> PASSED_HEADERS = List.of("Content-Type", "Retry-After", ErrorBody.INSTANCE_HEADER);

    private final HttpServer server;
    /** Where requests go; {@link #switchTo} moves it, as a restart or a load balancer's new choice does. */
    private volatile URI upstream;
    private final boolean loseAnswers;
    /** Whether an inference's sealed refusal is passed on with its status rewritten to 503. */
    private final boolean sealedRefusalsAs503;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final List<byte[]> inferBodies = new CopyOnWriteArrayList<>();

    RecordingProxy(URI upstream, boolean loseAnswers) throws IOException {
        this(upstream, loseAnswers, false);
    }

    /** With {@code sealedRefusalsAs503}, an inference's sealed refusal goes on as it came but with status 503. */
    RecordingProxy(URI upstream, boolean loseAnswers, boolean sealedRefusalsAs503) throws IOException {
        this.upstream = upstream;
        this.loseAnswers = loseAnswers;
        this.sealedRefusalsAs503 = sealedRefusalsAs503;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::forward);
        server.start();
    }

    /** From now on, requests go to {@code replica}. */
    void switchTo(URI replica) {
        upstream = replica;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private void forward(HttpExchange x) throws IOException {
        try (x) {
            byte[] body = x.getRequestBody().readAllBytes();
            boolean infer = x.getRequestURI().getPath().equals("/v1/infer");
            if (infer) {
                inferBodies.add(body);
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(upstream.resolve(x.getRequestURI().toString()))
                    .method(x.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            String type = x.getRequestHeaders().getFirst("Content-Type");
            if (type != null) {
                b.header("Content-Type", type);
            }
            HttpResponse<byte[]> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            if (infer && loseAnswers) {
                return;   // closing the exchange before any response header closes the connection
            }
            for (String h : PASSED_HEADERS) {
                r.headers().firstValue(h).ifPresent(v -> x.getResponseHeaders().add(h, v));
            }
            boolean sealedRefusal = infer && r.statusCode() != 200
                    && r.headers().firstValue("Content-Type").orElse("").startsWith("application/octet-stream");
            x.sendResponseHeaders(sealedRefusal && sealedRefusalsAs503 ? 503 : r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
            x.getResponseBody().write(r.body());
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
