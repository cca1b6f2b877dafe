package dev.veil.protocol.broker;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;

/**
 * The owner's routes of a data provider's broker, and the one place their bodies are parsed (strictly, after a size
 * bound). The challenge route takes a {@link ChallengeRequest} and answers a {@link BrokerChallenge}, as an instance's
 * does, but from the broker's owner challenges: a nonce issued for an instance's release never answers an owner
 * unwrap, nor the reverse.
 */
public final class OwnerUnwrapMessages {
    public static final String CHALLENGE = "/v1/owner/challenge";
    public static final String UNWRAP = "/v1/owner/unwrap";

    private OwnerUnwrapMessages() {
    }

    public static OwnerUnwrapRequest request(byte[] body) throws ProtocolException {
        if (body.length > BrokerMessages.MAX_SMALL_BYTES) {
            throw new ProtocolException("owner unwrap request of " + body.length + " bytes; at most " + BrokerMessages.MAX_SMALL_BYTES);
        }
        return Json.parse(body, OwnerUnwrapRequest.class, "owner unwrap request");
    }
}
