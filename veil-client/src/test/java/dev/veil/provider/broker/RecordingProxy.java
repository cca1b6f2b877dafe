package dev.veil.provider.broker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback proxy in front of a real key broker that keeps the last answer body of each route: how
 * {@link BrokerStateSeeds} captures a broker's genuine answers to a provider's SDK as seeds.
 */
final class RecordingProxy implements AutoCloseable {
    private final HttpServer server;
    private final URI target;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Map<String, byte[]> answers = new ConcurrentHashMap<>();

    RecordingProxy(URI target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext("/", this::forward);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** The last answer body on {@code path}. */
    byte[] answer(String path) {
        byte[] b = answers.get(path);
        if (b == null) {
            throw new IllegalStateException("nothing was answered on " + path);
        }
        return b;
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String path = exchange.getRequestURI().getPath();
            HttpResponse<byte[]> r;
            try {
                r = http.send(HttpRequest.newBuilder(target.resolve(path)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(in.readAllBytes())).build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            answers.put(path, r.body());
            exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
            if (r.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(r.body());
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
