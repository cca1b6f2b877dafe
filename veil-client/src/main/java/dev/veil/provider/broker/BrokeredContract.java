package dev.veil.provider.broker;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.binding.EnclaveAppraisal;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingAppraisal;
import dev.veil.protocol.serving.ServingContractVerifier;
import java.time.Instant;

/**
 * A contract a broker releases under, verified when the broker starts: a batch session contract (appraised with
 * {@link EnclaveAppraisal}, as {@code veil join} does) or a serving contract (with {@link ServingAppraisal}, as
 * {@code veil provision} does), with the broker's role in it and the most instances it may release to.
 */
public sealed interface BrokeredContract {
    byte[] hash();

    String hashHex();

    /** The broker provider's role in this contract, and so the party whose identity signs its releases. */
    Role role();

    int instanceLimit();

    /** The key-wrap suite the contract names: an instance's key-wrap key must be of it (no downgrade to a weaker suite). */
    KeyWrapSuite keyWrap();

    Instant expiresAt();

    /**
     * The SHA-256 the contract names for the asset this broker's provider brings (the model for the model provider, the
     * pinned dataset for the data provider), or null when it names none: a broker's one asset key is for one asset, so
     * it serves only contracts that name the same one.
     */
    String assetSha256();

    /** The evidence verified on its platform and held to this contract's reference values and binding. */
    Claims appraise(Platform platform, byte[] evidence, byte[] nonce, InstanceKeys keys, VerificationOptions options)
            throws AttestationException;

    /**
     * A batch contract; {@code role} is the broker identity's party in it, {@code expiresAt} its expiry, parsed once
     * (every request checks it).
     */
    record Batch(ContractVerifier.Verified verified, Role role, Instant expiresAt) implements BrokeredContract {
        public Batch {
            if (!expiresAt.equals(Instant.parse(verified.contract().expiresAt()))) {
                throw new IllegalArgumentException("a batch contract's expiry is the one it names");
            }
        }

        public Batch(ContractVerifier.Verified verified, Role role) {
            this(verified, role, Instant.parse(verified.contract().expiresAt()));
        }

        @Override
        public byte[] hash() {
            return verified.hash();
        }

        @Override
        public String hashHex() {
            return verified.hashHex();
        }

        @Override
        public int instanceLimit() {
            return verified.contract().instanceLimit();
        }

        @Override
        public KeyWrapSuite keyWrap() {
            return verified.contract().keyWrap();
        }

        @Override
        public String assetSha256() {
            return role == Role.MODEL_PROVIDER ? verified.contract().model().sha256() : verified.contract().limits().datasetSha256();
        }

        @Override
        public Claims appraise(Platform platform, byte[] evidence, byte[] nonce, InstanceKeys keys, VerificationOptions options)
                throws AttestationException {
            return EnclaveAppraisal.appraise(verified, platform, evidence, nonce, keys, options);
        }
    }

    /** A serving contract: the broker is its model provider's. */
    record Serving(ServingContractVerifier.Verified verified) implements BrokeredContract {
        @Override
        public byte[] hash() {
            return verified.hash();
        }

        @Override
        public String hashHex() {
            return verified.hashHex();
        }

        @Override
        public Role role() {
            return Role.MODEL_PROVIDER;
        }

        @Override
        public int instanceLimit() {
            return verified.contract().instanceLimit();
        }

        @Override
        public KeyWrapSuite keyWrap() {
            return verified.contract().keyWrap();
        }

        @Override
        public Instant expiresAt() {
            return verified.expiresAt();
        }

        @Override
        public String assetSha256() {
            return verified.contract().model().sha256();
        }

        @Override
        public Claims appraise(Platform platform, byte[] evidence, byte[] nonce, InstanceKeys keys, VerificationOptions options)
                throws AttestationException {
            return ServingAppraisal.appraise(verified, platform, evidence, nonce, keys, options);
        }
    }

    /** The batch contract, with the broker's role found from its identity; refused when it is neither party. */
    static BrokeredContract batch(ContractVerifier.Verified verified, PublicIdentity broker) throws ProtocolException {
        for (Role r : Role.values()) {
            if (verified.contract().party(r).sameKeysAs(broker)) {
                return new Batch(verified, r);
            }
        }
        throw new ProtocolException("the broker's identity " + broker.fingerprint() + " is neither party of contract "
                + verified.hashHex() + "; run the broker with the identity that signed it");
    }

    /** The serving contract; refused when the broker's identity is not its model provider. */
    static BrokeredContract serving(ServingContractVerifier.Verified verified, PublicIdentity broker) throws ProtocolException {
        if (!verified.contract().modelProvider().sameKeysAs(broker)) {
            throw new ProtocolException("the broker's identity " + broker.fingerprint() + " is not the model provider "
                    + verified.contract().modelProvider().fingerprint() + " of serving contract " + verified.hashHex());
        }
        return new Serving(verified);
    }
}
