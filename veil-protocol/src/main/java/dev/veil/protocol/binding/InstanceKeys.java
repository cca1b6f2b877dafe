package dev.veil.protocol.binding;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.nio.charset.StandardCharsets;

/**
 * The enclave instance's public keys, generated inside the TEE at start: Ed25519 for signing receipts, HPKE for
 * receiving asset keys. Their digest goes into the evidence, so only this instance can use what is released to it.
 */
public record InstanceKeys(byte[] signingKey, KeyWrapSuite keyWrapSuite, byte[] keyWrapKey) {
    public InstanceKeys {
        if (signingKey == null || keyWrapSuite == null || keyWrapKey == null) {
            // parsed from what a host relays (evidence offers, receipts): refused here, not a crash when bound later
            throw new IllegalArgumentException("instance keys need a signing key, a key-wrap suite and a key-wrap key");
        }
        signingKey = signingKey.clone();
        keyWrapKey = keyWrapKey.clone();
    }

    @Override
    public byte[] signingKey() {
        return signingKey.clone();
    }

    @Override
    public byte[] keyWrapKey() {
        return keyWrapKey.clone();
    }

    public byte[] digest() {
        return Digests.labelled256("veil instance keys v1", signingKey,
                keyWrapSuite.id().getBytes(StandardCharsets.US_ASCII), keyWrapKey);
    }
}
