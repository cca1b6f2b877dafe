package dev.veil.enclave.broker;

import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.DataKeyChallengeRequest;
import dev.veil.protocol.broker.UnwrapAnswer;
import dev.veil.protocol.broker.UnwrapRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.Signature;

/**
 * An instance's use of a broker's data-key service (the key management service behind Parquet Modular Encryption):
 * {@link #wrap} seals a fresh data key to the broker's identity and gets it back wrapped under a master key that never
 * leaves the broker; {@link #unwrap} gets a data key back sealed to this instance's key-wrap key and signed by the broker's identity (checked
 * here: a seal to this instance's public key alone could be anyone's). Both are signed with
 * the instance's signing key over a fresh nonce of the broker's ({@code /v1/keys/challenge}, one per request, so a
 * captured request is never answered twice), and the broker answers only an instance it appraised and released to
 * under the contract. A request the broker's rate refuses (429, or 503 when busy) is retried a few times, a second
 * apart, each time with a new nonce.
 */
public final class BrokerDataKeys {
    private static final int ATTEMPTS = 5;
    /** The broker's Retry-After on a rate refusal. */
    private static final java.time.Duration RETRY_AFTER = java.time.Duration.ofSeconds(1);
    private final BrokerHttp http;
    private final CallerInstance caller;
    private final InstanceKeyPairs keys;
    private final PublicIdentity broker;

    /** @param broker the broker's provider identity as the contract names it (its key-agreement key receives data keys) */
    public BrokerDataKeys(URI brokerUrl, String contractHashHex, InstanceKeyPairs keys, PublicIdentity broker) {
        this.http = new BrokerHttp(brokerUrl);
        this.caller = new CallerInstance(contractHashHex, keys.publicKeys());
        this.keys = keys;
        this.broker = broker;
    }

    /** The data key wrapped under {@code masterKeyId}, in the text form Parquet stores. */
    public String wrap(String masterKeyId, byte[] dataKey) throws BrokerRefused {
        Hpke.Sealed sealed;
        try {
            sealed = Hpke.seal(broker.keyAgreementSuite(), broker.keyAgreementKey(), WrapRequest.hpkeInfo(),
                    WrapRequest.aad(masterKeyId, caller), dataKey);
        } catch (ProtocolException e) {
            throw new BrokerRefused(0, "bad_request", "the broker's key-agreement key is unusable: " + e.getMessage());
        }
        return retried(() -> wrapOnce(masterKeyId, sealed));
    }

    private String wrapOnce(String masterKeyId, Hpke.Sealed sealed) throws BrokerRefused {
        try {
            byte[] nonce = challenge();
            byte[] signature = sign(WrapRequest.signingMessage(masterKeyId, nonce, caller, sealed.enc(), sealed.ciphertext()));
            return BrokerMessages.wrapAnswer(http.post(BrokerMessages.WRAP,
                    new WrapRequest(masterKeyId, nonce, caller, sealed.enc(), sealed.ciphertext(), signature))).wrappedKey();
        } catch (ProtocolException e) {
            throw new BrokerRefused(0, "bad_answer", "the key broker's wrap failed a check: " + e.getMessage());
        }
    }

    /** The data key {@code wrappedKey} holds; the caller wipes it. */
    public byte[] unwrap(String masterKeyId, String wrappedKey) throws BrokerRefused {
        return retried(() -> unwrapOnce(masterKeyId, wrappedKey));
    }

    private byte[] unwrapOnce(String masterKeyId, String wrappedKey) throws BrokerRefused {
        try {
            byte[] nonce = challenge();
            byte[] message = UnwrapRequest.signingMessage(masterKeyId, wrappedKey, nonce, caller);
            UnwrapAnswer answer = BrokerMessages.unwrapAnswer(http.post(BrokerMessages.UNWRAP,
                    new UnwrapRequest(masterKeyId, wrappedKey, nonce, caller, sign(message))));
            if (!broker.verify(UnwrapAnswer.signingMessage(message, answer.enc(), answer.sealedDataKey()), answer.signature())) {
                throw new BrokerRefused(0, "bad_answer", "the data key is not signed by the contract's party "
                        + broker.fingerprint() + ": the answer is not its broker's (someone between this instance and the broker?)");
            }
            return Hpke.open(keys.keyWrap(), UnwrapRequest.answerInfo(), message, answer.sealed());
        } catch (ProtocolException e) {
            throw new BrokerRefused(0, "bad_answer", "the key broker's unwrap failed a check: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new BrokerRefused(0, "bad_request", e.getMessage());
        }
    }

    /** A fresh data-key nonce of the broker's for this instance's contract. */
    private byte[] challenge() throws BrokerRefused, ProtocolException {
        return BrokerMessages.dataKeyChallenge(http.post(BrokerMessages.DATA_KEY_CHALLENGE,
                new DataKeyChallengeRequest(caller.contractHash()))).nonce();
    }

    private interface Attempt<T> {
        T run() throws BrokerRefused;
    }

    private static <T> T retried(Attempt<T> attempt) throws BrokerRefused {
        for (int tries = 1; ; tries++) {
            try {
                return attempt.run();
            } catch (BrokerRefused r) {
                if ((r.status() != 429 && r.status() != 503) || tries == ATTEMPTS) {
                    throw r;
                }
            }
            try {
                Thread.sleep(RETRY_AFTER.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BrokerRefused(0, "interrupted", "interrupted while waiting to retry the key broker");
            }
        }
    }

    private byte[] sign(byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(keys.signingKey());
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }
}
