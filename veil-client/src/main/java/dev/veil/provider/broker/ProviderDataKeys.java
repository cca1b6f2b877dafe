package dev.veil.provider.broker;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.DataKeyChallengeRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.servinghttp.ErrorBody;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The provider's own use of its broker's data-key service, e.g. to encrypt a dataset as Parquet: a data key sealed to
 * the broker's key-agreement key (the provider's own identity's), the request signed by the provider's identity, the
 * wrapped key back, each request over a fresh data-key nonce of the broker's (accepted once). The provider unwraps its own keys through {@link OwnerDataKeys}.
 */
public final class ProviderDataKeys {
    private final URI broker;
    private final Identity provider;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public ProviderDataKeys(URI broker, Identity provider) {
        this.broker = broker;
        this.provider = provider;
    }

    /** {@code dataKey} wrapped under {@code masterKeyId}, in the text form Parquet stores. */
    public String wrap(String masterKeyId, byte[] dataKey) throws IOException, ProtocolException {
        PublicIdentity self = provider.publicIdentity();
        Hpke.Sealed sealed = Hpke.seal(self.keyAgreementSuite(), self.keyAgreementKey(), WrapRequest.hpkeInfo(),
                WrapRequest.aad(masterKeyId, null), dataKey);
        byte[] nonce = BrokerMessages.dataKeyChallenge(post(BrokerMessages.DATA_KEY_CHALLENGE,
                Json.canonical(new DataKeyChallengeRequest(null)), "give a data-key challenge")).nonce();
        byte[] signature = provider.sign(WrapRequest.signingMessage(masterKeyId, nonce, null, sealed.enc(), sealed.ciphertext()));
        return BrokerMessages.wrapAnswer(post(BrokerMessages.WRAP, Json.canonical(new WrapRequest(masterKeyId, nonce, null,
                sealed.enc(), sealed.ciphertext(), signature)), "wrap a data key")).wrappedKey();
    }

    private byte[] post(String path, byte[] json, String what) throws IOException, ProtocolException {
        HttpRequest request = HttpRequest.newBuilder(broker.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(json)).build();
        int status;
        byte[] body;
        try {   // bounded in size and, body included, in time
            HttpResponse<byte[]> r = dev.veil.protocol.servinghttp.BoundedAnswer.exchange(http, request, BrokerMessages.MAX_SMALL_BYTES,
                    BrokerMessages.MAX_SMALL_BYTES, Duration.ofSeconds(60));
            status = r.statusCode();
            body = r.body();
        } catch (dev.veil.protocol.servinghttp.BoundedAnswer.TooLarge e) {
            throw new ProtocolException("the key broker's answer is over " + BrokerMessages.MAX_SMALL_BYTES + " bytes");
        }
        if (status != 200) {
            String line;
            try {
                ErrorBody e = Json.parse(body, ErrorBody.class, "the broker's refusal");
                line = e.error() + ": " + e.message();
            } catch (ProtocolException bad) {
                line = "HTTP " + status;
            }
            throw new ProtocolException("the key broker refused to " + what + " (" + line + ")");
        }
        return body;
    }
}
