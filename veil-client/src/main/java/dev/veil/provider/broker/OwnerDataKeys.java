package dev.veil.provider.broker;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.OwnerUnwrapMessages;
import dev.veil.protocol.broker.OwnerUnwrapRequest;
import dev.veil.protocol.broker.UnwrapAnswer;
import dev.veil.protocol.identity.Identity;
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
 * The data provider's own unwraps through its broker ({@link OwnerUnwraps}): a fresh owner challenge, signed with the
 * provider's identity key, answered with the data key sealed to the provider's key-agreement key and signed by the
 * broker's identity — checked here against the provider's own, since a data provider's broker speaks with its identity
 * (an impostor at the broker's address cannot hand it a data key of its choosing).
 */
public final class OwnerDataKeys {
    private final URI broker;
    private final Identity owner;
    private final String contractHash;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** How long one exchange with the broker may take, its answer's body included. */
    private final Duration within;

    public OwnerDataKeys(URI broker, Identity owner, String contractHashHex) {
        this(broker, owner, contractHashHex, Duration.ofSeconds(60));
    }

    OwnerDataKeys(URI broker, Identity owner, String contractHashHex, Duration within) {
        this.broker = broker;
        this.owner = owner;
        this.contractHash = contractHashHex;
        this.within = within;
    }

    /**
     * The data key {@code wrappedKey} wrapped under {@code masterKeyId}; the caller wipes it.
     *
     * @param wrappedBy the keys digest of the instance that wrapped it, or null for a key the provider wrapped
     */
    public byte[] unwrap(String masterKeyId, String wrappedKey, String wrappedBy) throws IOException, ProtocolException {
        byte[] nonce = BrokerMessages.challenge(post(OwnerUnwrapMessages.CHALLENGE, Json.canonical(new ChallengeRequest(contractHash)),
                "give an owner challenge")).nonce();
        byte[] message = OwnerUnwrapRequest.signingMessage(contractHash, nonce, masterKeyId, wrappedKey, wrappedBy);
        OwnerUnwrapRequest request = new OwnerUnwrapRequest(contractHash, nonce, masterKeyId, wrappedKey, wrappedBy,
                owner.sign(message));
        UnwrapAnswer answer = BrokerMessages.unwrapAnswer(post(OwnerUnwrapMessages.UNWRAP, Json.canonical(request), "unwrap a data key"));
        if (!owner.publicIdentity().verify(UnwrapAnswer.signingMessage(message, answer.enc(), answer.sealedDataKey()),
                answer.signature())) {
            throw new ProtocolException("the data key is not signed by the data provider's broker identity: whatever answers at "
                    + broker + " is not its broker");
        }
        return Hpke.open(owner.keyAgreement(), OwnerUnwrapRequest.answerInfo(), message, answer.sealed());
    }

    private byte[] post(String path, byte[] json, String what) throws IOException, ProtocolException {
        HttpRequest request = HttpRequest.newBuilder(broker.resolve(path)).timeout(within)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(json)).build();
        int status;
        byte[] body;
        try {   // bounded in size and, body included, in time: whatever answers at the address may trickle its answer
            HttpResponse<byte[]> r = dev.veil.protocol.servinghttp.BoundedAnswer.exchange(http, request, BrokerMessages.MAX_SMALL_BYTES,
                    BrokerMessages.MAX_SMALL_BYTES, within);
            status = r.statusCode();
            body = r.body();
        } catch (dev.veil.protocol.servinghttp.BoundedAnswer.TooLarge e) {
            throw new ProtocolException("the data provider's broker's answer is over " + BrokerMessages.MAX_SMALL_BYTES + " bytes");
        }
        if (status != 200) {
            String line;
            try {
                ErrorBody e = Json.parse(body, ErrorBody.class, "the broker's refusal");
                line = e.error() + ": " + e.message();
            } catch (ProtocolException bad) {
                line = "HTTP " + status;
            }
            throw new ProtocolException("the data provider's broker refused to " + what + " (" + line + ")");
        }
        return body;
    }
}
