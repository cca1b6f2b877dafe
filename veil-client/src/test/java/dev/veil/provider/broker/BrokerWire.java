package dev.veil.provider.broker;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.DataKeyChallengeRequest;
import dev.veil.protocol.broker.UnwrapRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.Hpke;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/** A test's HTTP/1.1 client for a broker on loopback: raw bytes in, status and body out. */
final class BrokerWire {
    record Answer(int status, byte[] body) {
        String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Who signs a data-key request: an instance's signing key or a provider's identity. */
    @FunctionalInterface
    interface Signer {
        byte[] sign(byte[] message) throws Exception;
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

    /**
     * A request announcing a body of {@code length} bytes, over a route's limit, of which only the headers are sent: the
     * broker must refuse it from its Content-Length, before reading any of the body. (Sending the body too would race:
     * the broker answers without reading it and closes the connection, and a client still sending may see the
     * connection reset before it reads the answer.)
     */
    Answer postHeadersOnly(String path, int length) throws Exception {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + base.resolve(path).getRawPath() + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] raw = s.getInputStream().readAllBytes();   // the broker closes the connection after a refusal
            String head = new String(raw, 0, indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), StandardCharsets.US_ASCII);
            int status = Integer.parseInt(head.substring(9, 12));
            byte[] body = Arrays.copyOfRange(raw, head.length() + 4, raw.length);
            if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
                body = unchunked(body);
            }
            return new Answer(status, body);
        }
    }

    private static int indexOf(byte[] a, byte[] b) {
        for (int i = 0; i + b.length <= a.length; i++) {
            if (Arrays.equals(a, i, i + b.length, b, 0, b.length)) {
                return i;
            }
        }
        throw new IllegalStateException("no end of the answer's headers");
    }

    private static byte[] unchunked(byte[] chunked) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int i = 0;
        while (true) {
            int lineEnd = indexOf(Arrays.copyOfRange(chunked, i, chunked.length), "\r\n".getBytes(StandardCharsets.US_ASCII)) + i;
            int size = Integer.parseInt(new String(chunked, i, lineEnd - i, StandardCharsets.US_ASCII).trim(), 16);
            if (size == 0) {
                return out.toByteArray();
            }
            out.write(chunked, lineEnd + 2, size);
            i = lineEnd + 2 + size + 2;
        }
    }

    /** A fresh data-key nonce from the broker for {@code caller} (null: the provider). */
    byte[] dataKeyNonce(CallerInstance caller) throws Exception {
        Answer a = post(BrokerMessages.DATA_KEY_CHALLENGE, new DataKeyChallengeRequest(caller == null ? null : caller.contractHash()));
        if (a.status() != 200) {
            throw new IllegalStateException("no data-key challenge: " + a.text());
        }
        return BrokerMessages.dataKeyChallenge(a.body()).nonce();
    }

    /** An unwrap request over a fresh nonce of the broker's, signed by {@code signer}. */
    UnwrapRequest unwrapRequest(String id, String wrapped, CallerInstance caller, Signer signer) throws Exception {
        byte[] nonce = dataKeyNonce(caller);
        return new UnwrapRequest(id, wrapped, nonce, caller, signer.sign(UnwrapRequest.signingMessage(id, wrapped, nonce, caller)));
    }

    /** A wrap request of {@code sealed} over a fresh nonce of the broker's, signed by {@code signer}. */
    WrapRequest wrapRequest(String id, CallerInstance caller, Hpke.Sealed sealed, Signer signer) throws Exception {
        byte[] nonce = dataKeyNonce(caller);
        return new WrapRequest(id, nonce, caller, sealed.enc(), sealed.ciphertext(),
                signer.sign(WrapRequest.signingMessage(id, nonce, caller, sealed.enc(), sealed.ciphertext())));
    }

    Answer get(String pathAndQuery) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(r.statusCode(), r.body());
    }
}
