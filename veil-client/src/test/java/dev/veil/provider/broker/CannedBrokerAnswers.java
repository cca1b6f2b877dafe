package dev.veil.provider.broker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * A loopback HTTP server standing where a provider's key broker answers, saying what a fuzz input says: the challenge
 * routes ({@code /v1/owner/challenge}, {@code /v1/keys/challenge}) one body, every other route another, with status
 * 200. Started once per JVM, so each input costs two loopback exchanges, not a server.
 */
final class CannedBrokerAnswers {
    private final HttpServer server;
    private volatile byte[] challenge = new byte[0];
    private volatile byte[] answer = new byte[0];

    private CannedBrokerAnswers(HttpServer server) {
        this.server = server;
    }

    static CannedBrokerAnswers start() {
        // without TCP_NODELAY each small answer waits for the client's delayed ACK (~40 ms): 17 inputs a second, not hundreds
        System.setProperty("sun.net.httpserver.nodelay", "true");
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            CannedBrokerAnswers canned = new CannedBrokerAnswers(s);
            s.createContext("/", canned::handle);
            s.start();
            return canned;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a loopback server to fuzz the broker's answers", e);
        }
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** Whether a connection goes to this server (Jazzer's SSRF detector sees the loopback address by either name). */
    boolean isThis(String host, int port) {
        return port == server.getAddress().getPort() && (host.equals("127.0.0.1") || host.equals("localhost"));
    }

    /** What the next exchanges answer. */
    void answer(byte[] challengeBody, byte[] answerBody) {
        challenge = challengeBody;
        answer = answerBody;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            byte[] body = exchange.getRequestURI().getPath().endsWith("/challenge") ? challenge : answer;
            exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }
}
