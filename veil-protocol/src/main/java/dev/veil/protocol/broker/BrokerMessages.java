package dev.veil.protocol.broker;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;

/**
 * The broker's routes and the one place their bodies are parsed: strictly, through {@link Json}, each after a size
 * bound the reader applies before it reads more.
 */
public final class BrokerMessages {
    public static final String CHALLENGE = "/v1/challenge";
    public static final String RELEASE = "/v1/release";
    public static final String WRAP = "/v1/keys/wrap";
    public static final String UNWRAP = "/v1/keys/unwrap";
    /** A fresh nonce for one wrap or unwrap ({@link DataKeyChallengeRequest} → {@link DataKeyChallenge}). */
    public static final String DATA_KEY_CHALLENGE = "/v1/keys/challenge";
    /** {@code GET ?contract=HEX}: the newest signed head of that contract's release record. */
    public static final String HEAD = "/v1/head";
    /** Evidence with the collateral its host ships (certificate chains, CRLs, TCB Info) fits well within this. */
    public static final int MAX_RELEASE_REQUEST_BYTES = 1024 * 1024;
    /** Every other body: a nonce, an ML-KEM encapsulation and a signature at most. */
    public static final int MAX_SMALL_BYTES = 64 * 1024;

    private BrokerMessages() {
    }

    public static ChallengeRequest challengeRequest(byte[] body) throws ProtocolException {
        return Json.parse(bounded(body, MAX_SMALL_BYTES, "challenge request"), ChallengeRequest.class, "challenge request");
    }

    public static ReleaseRequest releaseRequest(byte[] body) throws ProtocolException {
        return Json.parse(bounded(body, MAX_RELEASE_REQUEST_BYTES, "release request"), ReleaseRequest.class, "release request");
    }

    public static WrapRequest wrapRequest(byte[] body) throws ProtocolException {
        return Json.parse(bounded(body, MAX_SMALL_BYTES, "wrap request"), WrapRequest.class, "wrap request");
    }

    public static UnwrapRequest unwrapRequest(byte[] body) throws ProtocolException {
        return Json.parse(bounded(body, MAX_SMALL_BYTES, "unwrap request"), UnwrapRequest.class, "unwrap request");
    }

    public static DataKeyChallengeRequest dataKeyChallengeRequest(byte[] body) throws ProtocolException {
        return Json.parse(bounded(body, MAX_SMALL_BYTES, "data-key challenge request"), DataKeyChallengeRequest.class,
                "data-key challenge request");
    }

    public static DataKeyChallenge dataKeyChallenge(byte[] body) throws ProtocolException {
        return Json.parse(bounded(body, MAX_SMALL_BYTES, "data-key challenge"), DataKeyChallenge.class,
                "the broker's data-key challenge");
    }

    public static BrokerChallenge challenge(byte[] body) throws ProtocolException {
        return Json.parse(bounded(body, MAX_SMALL_BYTES, "broker challenge"), BrokerChallenge.class, "the broker's challenge");
    }

    public static ReleaseAnswer releaseAnswer(byte[] body) throws ProtocolException {
        return Json.parse(bounded(body, MAX_SMALL_BYTES, "release answer"), ReleaseAnswer.class, "the broker's release");
    }

    public static WrapAnswer wrapAnswer(byte[] body) throws ProtocolException {
        return Json.parse(bounded(body, MAX_SMALL_BYTES, "wrap answer"), WrapAnswer.class, "the broker's wrapped key");
    }

    public static UnwrapAnswer unwrapAnswer(byte[] body) throws ProtocolException {
        return Json.parse(bounded(body, MAX_SMALL_BYTES, "unwrap answer"), UnwrapAnswer.class, "the broker's data key");
    }

    /** One line of a release record (a file anyone with access to the state directory could have edited). */
    public static ReleaseLogEntry logEntry(byte[] line) throws ProtocolException {
        return Json.parse(bounded(line, MAX_SMALL_BYTES, "release record line"), ReleaseLogEntry.class, "release record line");
    }

    private static byte[] bounded(byte[] body, int max, String what) throws ProtocolException {
        if (body.length > max) {
            throw new ProtocolException(what + " of " + body.length + " bytes; at most " + max);
        }
        return body;
    }
}
