package dev.veil.protocol.broker;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.MayBeAbsent;
import java.nio.charset.StandardCharsets;

/**
 * Caller → broker ({@code POST /v1/keys/wrap}): wrap a Parquet data key under the master key {@code masterKeyId},
 * which never leaves the broker. The data key travels HPKE-sealed to the broker identity's key-agreement key
 * ({@link #hpkeInfo}, aad {@link #aad}), so only the broker reads it. The caller signs {@link #signingMessage}: the
 * broker's own provider with its identity key ({@code instance} absent), or an instance the broker released to with
 * its instance signing key. The signature covers {@code brokerNonce}, a fresh {@link DataKeyChallenge} the broker
 * accepts once, so a captured request is never served again.
 *
 * @param instance the calling instance, or absent when the broker's provider calls
 */
public record WrapRequest(String masterKeyId, byte[] brokerNonce, @MayBeAbsent CallerInstance instance, byte[] enc,
                          byte[] sealedDataKey, byte[] signature) {
    private static final byte[] PROVIDER = "provider".getBytes(StandardCharsets.US_ASCII);

    public WrapRequest {
        BrokerFields.requireMasterKeyId(masterKeyId);
        brokerNonce = BrokerFields.requireNonce(brokerNonce, "broker_nonce");
        enc = BrokerFields.require(enc, "enc");
        sealedDataKey = BrokerFields.require(sealedDataKey, "sealed_data_key");
        signature = BrokerFields.require(signature, "signature");
    }

    public static byte[] hpkeInfo() {
        return Digests.labelled256("veil broker data key v1");
    }

    /** Binds the sealed data key to this master key and this caller: it cannot be replayed into another's request. */
    public static byte[] aad(String masterKeyId, CallerInstance instance) {
        return Digests.labelled256("veil broker wrap aad v1", masterKeyId.getBytes(StandardCharsets.US_ASCII), caller(instance));
    }

    public static byte[] signingMessage(String masterKeyId, byte[] brokerNonce, CallerInstance instance, byte[] enc,
                                        byte[] sealedDataKey) {
        return Digests.labelled256("veil broker wrap v2", masterKeyId.getBytes(StandardCharsets.US_ASCII), brokerNonce,
                caller(instance), enc, sealedDataKey);
    }

    public byte[] signingMessage() {
        return signingMessage(masterKeyId, brokerNonce, instance, enc, sealedDataKey);
    }

    /** What the broker's nonce for this request is bound to ({@link DataKeyChallengeRequest#binding}). */
    public String nonceBinding() {
        return DataKeyChallengeRequest.binding(instance == null ? null : instance.contractHash());
    }

    private static byte[] caller(CallerInstance instance) {
        return instance == null ? PROVIDER : instance.binding();
    }

    @Override
    public byte[] brokerNonce() {
        return brokerNonce.clone();
    }

    @Override
    public byte[] enc() {
        return enc.clone();
    }

    @Override
    public byte[] sealedDataKey() {
        return sealedDataKey.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }
}
