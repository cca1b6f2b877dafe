package dev.veil.enclave.broker;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.servinghttp.ErrorBody;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * An instance's HTTP exchange with a key broker (the JDK's client): JSON in, JSON out, a refusal turned into
 * {@link BrokerRefused} with the broker's own reason and line. Answers are bounded before they are parsed.
 */
final class BrokerHttp {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_ANSWER_BYTES = 64 * 1024;

    private final URI base;
    private final HttpClient http;

    BrokerHttp(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT).build();
    }

    URI base() {
        return base;
    }

    /** POSTs {@code record}'s JSON to {@code path}; the 2xx answer's body, bounded, or the refusal. */
    byte[] post(String path, Object record) throws BrokerRefused {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.canonical(record))).build();
        int status;
        byte[] body;
        try {
            // bounded in size and, body included, in time: a hostile broker can neither fill memory nor hold the instance
            HttpResponse<byte[]> r = dev.veil.protocol.servinghttp.BoundedAnswer.exchange(http, request, MAX_ANSWER_BYTES,
                    MAX_ANSWER_BYTES, REQUEST_TIMEOUT);
            status = r.statusCode();
            body = r.body();
        } catch (dev.veil.protocol.servinghttp.BoundedAnswer.TooLarge e) {
            throw new BrokerRefused(0, "bad_answer", "the key broker's answer is over " + MAX_ANSWER_BYTES + " bytes");
        } catch (IOException e) {
            throw new BrokerRefused(0, "unreachable", "cannot reach the key broker at " + base + " (" + e.getClass().getSimpleName()
                    + "); check the broker URL and that 'veil broker' is listening there");
        }
        if (status / 100 != 2) {
            ErrorBody e;
            try {
                e = Json.parse(body, ErrorBody.class, "the broker's refusal");
            } catch (ProtocolException bad) {
                e = new ErrorBody("http_" + status, "the key broker answered HTTP " + status);
            }
            throw new BrokerRefused(status, e.error(), "the key broker refused (" + e.error() + "): " + e.message());
        }
        return body;
    }
}
