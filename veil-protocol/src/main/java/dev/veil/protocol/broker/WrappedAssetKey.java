package dev.veil.protocol.broker;

import dev.veil.protocol.keyrelease.Hpke;

/** An asset key HPKE-sealed to an instance's key-wrap key: the KEM encapsulation and the ciphertext. */
public record WrappedAssetKey(byte[] enc, byte[] wrappedKey) {
    public WrappedAssetKey {
        enc = BrokerFields.require(enc, "key.enc");
        wrappedKey = BrokerFields.require(wrappedKey, "key.wrapped_key");
    }

    public static WrappedAssetKey of(Hpke.Sealed sealed) {
        return new WrappedAssetKey(sealed.enc(), sealed.ciphertext());
    }

    public Hpke.Sealed sealed() {
        return new Hpke.Sealed(enc, wrappedKey);
    }

    @Override
    public byte[] enc() {
        return enc.clone();
    }

    @Override
    public byte[] wrappedKey() {
        return wrappedKey.clone();
    }
}
