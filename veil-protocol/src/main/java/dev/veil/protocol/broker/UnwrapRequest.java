package dev.veil.protocol.broker;

import dev.veil.protocol.json.Digests;
import java.nio.charset.StandardCharsets;

/**
 * Instance → broker ({@code POST /v1/keys/unwrap}): unwrap {@code wrappedKey} under master key {@code masterKeyId}.
 * Only an instance the broker appraised and released to may ask, signing {@link #signingMessage} with its instance
 * signing key; the answer ({@link UnwrapAnswer}) is HPKE-sealed to its instance key-wrap key with this message as aad.
 * The signature covers {@code brokerNonce}, a fresh {@link DataKeyChallenge} the broker accepts once, so a captured
 * request is never answered again.
 */
public record UnwrapRequest(String masterKeyId, String wrappedKey, byte[] brokerNonce, CallerInstance instance, byte[] signature) {
    public UnwrapRequest {
        BrokerFields.requireMasterKeyId(masterKeyId);
        WrappedDataKey.parse(wrappedKey);
        brokerNonce = BrokerFields.requireNonce(brokerNonce, "broker_nonce");
        if (instance == null) {
            throw new IllegalArgumentException("an unwrap request names the calling instance");
        }
        signature = BrokerFields.require(signature, "signature");
    }

    public static byte[] signingMessage(String masterKeyId, String wrappedKey, byte[] brokerNonce, CallerInstance instance) {
        return Digests.labelled256("veil broker unwrap v2", masterKeyId.getBytes(StandardCharsets.US_ASCII),
                wrappedKey.getBytes(StandardCharsets.US_ASCII), brokerNonce, instance.binding());
    }

    public byte[] signingMessage() {
        return signingMessage(masterKeyId, wrappedKey, brokerNonce, instance);
    }

    /** HPKE info of the answer. */
    public static byte[] answerInfo() {
        return Digests.labelled256("veil broker unwrap answer v1");
    }

    @Override
    public byte[] brokerNonce() {
        return brokerNonce.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }
}
