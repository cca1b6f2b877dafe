package dev.veil.provider.broker;

import dev.veil.protocol.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A test's HTTP/1.1 client for a broker on loopback: raw bytes in, status and body out. */
final class BrokerWire {
    record Answer(int status, byte[] body) {
        String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final URI base;
    private final HttpClient http = HttpClient.newHttpClient();

    BrokerWire(int port) {
        this.base = URI.create("http://127.0.0.1:" + port + "/");
    }

    Answer post(String path, Object record) throws Exception {
        return postRaw(path, Json.canonical(record));
    }

    Answer postRaw(String path, byte[] body) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(r.statusCode(), r.body());
    }

    Answer get(String pathAndQuery) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(r.statusCode(), r.body());
    }
}
