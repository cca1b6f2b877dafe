package dev.veil.provider.broker;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.DataKeyChallengeRequest;
import dev.veil.protocol.broker.UnwrapRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.Hpke;
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
