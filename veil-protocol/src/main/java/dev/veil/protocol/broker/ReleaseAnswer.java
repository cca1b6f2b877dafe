package dev.veil.protocol.broker;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.MayBeAbsent;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.servinghttp.ProvisionRelease;
import java.util.HexFormat;

/**
 * Broker → instance: the provider's release, as in the ceremony. The transcript ({@link KeyReleaseTranscript}) binds
 * the contract hash, the provider's role in it, the broker's nonce (the provider nonce), the instance's nonce, the
 * digest of the evidence the broker appraised and the instance keys; HPKE's aad is that transcript, and the provider's
 * identity signs it with the ciphertext. The instance checks the signature against the contract's party for
 * {@code role}, so it trusts the contract, never the broker's address.
 *
 * @param key the asset key wrapped to the instance's key-wrap key; absent when the broker holds no asset key (a
 *            data provider's broker serving only data keys): the signed answer then says the instance is admitted
 */
public record ReleaseAnswer(String contractHash, Role role, byte[] brokerNonce, byte[] enclaveNonce,
                            @MayBeAbsent WrappedAssetKey key, byte[] signature) {
    private static final byte[] NONE = new byte[0];

    public ReleaseAnswer {
        BrokerFields.requireContractHash(contractHash);
        if (role == null) {
            throw new IllegalArgumentException("a release answer names the provider's role");
        }
        brokerNonce = BrokerFields.requireNonce(brokerNonce, "broker_nonce");
        enclaveNonce = BrokerFields.requireNonce(enclaveNonce, "enclave_nonce");
        signature = BrokerFields.require(signature, "signature");
    }

    /** The ceremony's transcript for this release, given the evidence and instance keys the request carried. */
    public static KeyReleaseTranscript transcript(String contractHash, Role role, byte[] brokerNonce, byte[] enclaveNonce,
                                                  byte[] evidence, InstanceKeys keys) {
        return new KeyReleaseTranscript(HexFormat.of().parseHex(contractHash), role, brokerNonce, enclaveNonce,
                Digests.sha256(evidence), keys);
    }

    /** What the provider signs: the transcript with the ciphertext, or with empty parts when no key is released. */
    public static byte[] signingMessage(KeyReleaseTranscript transcript, WrappedAssetKey key) {
        return key == null ? transcript.signingMessage(NONE, NONE) : transcript.signingMessage(key.enc(), key.wrappedKey());
    }

    /** A model key released for a serving contract, as the serving instance's own provisioning takes it. */
    public ProvisionRelease provisionRelease() {
        if (key == null) {
            throw new IllegalStateException("this release carries no key");
        }
        return new ProvisionRelease(brokerNonce, enclaveNonce, key.enc(), key.wrappedKey(), signature);
    }

    @Override
    public byte[] brokerNonce() {
        return brokerNonce.clone();
    }

    @Override
    public byte[] enclaveNonce() {
        return enclaveNonce.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }
}
