package dev.veil.enclave.broker;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.broker.BrokerChallenge;
import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.ReleaseAnswer;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.AssetKey;
import java.io.IOException;
import java.net.URI;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * An enclave instance pulling its key from a provider's broker: ask for a challenge, answer it with evidence binding
 * the broker's nonce, the contract hash and the instance keys, and take the release. The answer is checked here
 * against what was sent (contract, both nonces) and, by {@link #openKey}, against the contract's party: the broker's
 * address is never trusted, only the provider identity the contract names.
 */
public final class BrokerRelease {
    /** How the instance answers a broker's nonce: its evidence offer, as for an interactive provider. */
    @FunctionalInterface
    public interface Evidence {
        Messages.EvidenceOffer answer(byte[] brokerNonce) throws IOException, BrokerRefused;
    }

    /** A release as received, with the offer it answers (whose evidence digest its transcript binds). */
    public record Released(ReleaseAnswer answer, Messages.EvidenceOffer offer) {
    }

    private final BrokerHttp http;
    private final String contractHash;

    public BrokerRelease(URI broker, String contractHashHex) {
        this.http = new BrokerHttp(broker);
        this.contractHash = contractHashHex;
    }

    /** Challenge, evidence, release: the broker's answer, checked to answer this very request. */
    public Released fetch(Evidence evidence) throws IOException, BrokerRefused {
        BrokerChallenge challenge = parse(() -> BrokerMessages.challenge(http.post(BrokerMessages.CHALLENGE,
                new ChallengeRequest(contractHash))));
        if (!challenge.contractHash().equals(contractHash)) {
            throw badAnswer("the broker's challenge is for contract " + challenge.contractHash());
        }
        Messages.EvidenceOffer offer = evidence.answer(challenge.nonce());
        ReleaseAnswer answer = parse(() -> BrokerMessages.releaseAnswer(http.post(BrokerMessages.RELEASE,
                new ReleaseRequest(contractHash, challenge.nonce(), offer))));
        if (!answer.contractHash().equals(contractHash) || !MessageDigest.isEqual(answer.brokerNonce(), challenge.nonce())
                || !MessageDigest.isEqual(answer.enclaveNonce(), offer.enclaveNonce())) {
            throw badAnswer("the broker's release answers another request (contract or nonces differ)");
        }
        return new Released(answer, offer);
    }

    /**
     * Checks that {@code party} (the contract's provider in {@code role}) signed this release for this instance, and
     * opens the key: empty when the broker released no key (a data-key broker's admission).
     */
    public static Optional<AssetKey> openKey(Released r, Role role, PublicIdentity party, InstanceKeys keys, KemKeyPair keyWrap)
            throws BrokerRefused {
        ReleaseAnswer a = r.answer();
        if (a.role() != role) {
            throw badAnswer("the broker released as the " + a.role() + ", not the " + role);
        }
        KeyReleaseTranscript t = ReleaseAnswer.transcript(a.contractHash(), role, a.brokerNonce(), a.enclaveNonce(),
                r.offer().evidence(), keys);
        try {
            if (!party.verify(ReleaseAnswer.signingMessage(t, a.key()), a.signature())) {
                throw badAnswer("the release is not signed by the contract's " + role + " " + party.fingerprint());
            }
            if (a.key() == null) {
                return Optional.empty();
            }
            return Optional.of(AssetKeyWrap.unwrap(keyWrap, t.hpkeInfo(), t.context(), a.key().sealed(), 0).key());
        } catch (ProtocolException e) {
            throw badAnswer("the released key does not open for this instance: " + e.getMessage());
        }
    }

    private interface Parse<T> {
        T run() throws ProtocolException, BrokerRefused;
    }

    private static <T> T parse(Parse<T> p) throws BrokerRefused {
        try {
            return p.run();
        } catch (ProtocolException e) {
            throw badAnswer(e.getMessage());
        }
    }

    private static BrokerRefused badAnswer(String why) {
        return new BrokerRefused(0, "bad_answer", "the key broker's answer failed a check: " + why);
    }
}
