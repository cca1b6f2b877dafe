package dev.veil.protocol.broker;

import dev.veil.protocol.keyrelease.Hpke;

/** Broker → instance: the data key, HPKE-sealed to the instance's key-wrap key (info and aad: {@link UnwrapRequest}). */
public record UnwrapAnswer(byte[] enc, byte[] sealedDataKey) {
    public UnwrapAnswer {
        enc = BrokerFields.require(enc, "enc");
        sealedDataKey = BrokerFields.require(sealedDataKey, "sealed_data_key");
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
}
