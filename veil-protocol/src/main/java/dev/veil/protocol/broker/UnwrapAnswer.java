package dev.veil.protocol.broker;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.Hpke;

/**
 * Broker → instance: the data key, HPKE-sealed to the instance's key-wrap key (info and aad: {@link UnwrapRequest}),
 * signed by the broker's provider identity over the request it answers and the sealed key ({@link #signingMessage}).
 * The seal alone authenticates nothing (anyone can seal to the instance's public key); the signature is what makes the
 * data key the data provider's, as the provider's signature makes a release answer its own.
 */
public record UnwrapAnswer(byte[] enc, byte[] sealedDataKey, byte[] signature) {
    public UnwrapAnswer {
        enc = BrokerFields.require(enc, "enc");
        sealedDataKey = BrokerFields.require(sealedDataKey, "sealed_data_key");
        signature = BrokerFields.require(signature, "signature");
    }

    /** What the broker signs: the unwrap request's own signing message ({@link UnwrapRequest#signingMessage}) and the seal. */
    public static byte[] signingMessage(byte[] requestMessage, byte[] enc, byte[] sealedDataKey) {
        return Digests.labelled256("veil broker unwrap answer signature v1", requestMessage, enc, sealedDataKey);
    }

    public Hpke.Sealed sealed() {
        return new Hpke.Sealed(enc, sealedDataKey);
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
