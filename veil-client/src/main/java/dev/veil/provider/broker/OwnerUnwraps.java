package dev.veil.provider.broker;

import dev.veil.protocol.broker.BrokerChallenge;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.OwnerUnwrapRequest;
import dev.veil.protocol.broker.UnwrapAnswer;
import dev.veil.protocol.broker.WrappedDataKey;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data provider's broker unwrapping for the data provider itself, e.g. to open a batch's results
 * ({@code veil batch open --broker}): the provider signs a fresh owner challenge with its identity key, the broker
 * checks the signer is the contract's data provider (its own identity: a broker serves its own provider only), that the
 * master key serves the contract and that an instance-wrapped key's instance was released to under it and is not
 * revoked (the results of an instance its provider revoked are not opened), and answers the
 * data key HPKE-sealed to the provider's key-agreement key, signed. The master keys never leave the broker.
 *
 * <p>The challenges are MAC'd as the instances' are ({@link BrokerChallenges}), under a key of their own, so an
 * instance's nonce never serves an owner unwrap. A nonce is used once.
 *
 * <p>Every owner unwrap is an entry of the contract's signed record ({@link ReleaseRecord}, an {@code OwnerUnwrapLeaf}:
 * who, which master key, which wrapped key by its digest, the wrapping instance, when; never key material), durable
 * before the answer leaves, as a release is; it counts toward no {@code max_instances}, since the provider opening its
 * own data is no release to an instance. Owner unwraps are also counted
 * ({@code veil_broker_data_keys_total{operation="owner_unwrap"}}) and rate-limited as every data-key request
 * ({@link DataKeyGate}).
 */
final class OwnerUnwraps {
    private static final Logger LOG = LoggerFactory.getLogger(OwnerUnwraps.class);
    private final Identity identity;
    private final Map<String, BrokeredContract> contracts;
    private final Map<String, ReleaseRecord> records;
    private final MasterKeys masterKeys;
    private final BrokerChallenges challenges;
    private final DataKeyGate rates;
    private final BrokerMetrics metrics;
    private final RevocationCheck revocations;

    /** The broker's revocations in force: refuses an instance its provider revoked (or every instance, after {@code --all}). */
    interface RevocationCheck {
        /** Recording what the revocation file asks first; not under a record's lock. */
        void requireNotRevoked(String instanceHex) throws BrokerRefusal;

        /** Without writing: for a check made while a record's lock is held. */
        void requireNotRevokedUnderRecordLock(String instanceHex) throws BrokerRefusal;
    }

    /**
     * @param records the broker's release records by contract hash, read as the broker fills them
     * @param revocations the broker's revocations, read at each unwrap
     */
    OwnerUnwraps(Identity identity, Map<String, BrokeredContract> contracts, Map<String, ReleaseRecord> records, MasterKeys masterKeys,
                 DataKeyGate rates, Clock clock, BrokerMetrics metrics, RevocationCheck revocations) {
        this.identity = identity;
        this.revocations = revocations;
        this.contracts = contracts;
        this.records = records;
        this.masterKeys = masterKeys;
        this.challenges = new BrokerChallenges(KeyBroker.CHALLENGE_LIFETIME, clock);
        this.rates = rates;
        this.metrics = metrics;
    }

    /** A fresh owner nonce under a batch contract whose data provider this broker is. */
    BrokerChallenge challenge(ChallengeRequest request) throws BrokerRefusal {
        Instant now = challenges.now();
        BrokeredContract.Batch c = ownersContract(request.contractHash(), now);
        byte[] nonce = challenges.issue(c.hashHex(), now);
        return new BrokerChallenge(c.hashHex(), nonce, now.plus(KeyBroker.CHALLENGE_LIFETIME).getEpochSecond());
    }

    UnwrapAnswer unwrap(OwnerUnwrapRequest request) throws BrokerRefusal, IOException {
        Instant now = challenges.now();
        BrokeredContract.Batch c = ownersContract(request.contractHash(), now);
        challenges.check(request.brokerNonce(), c.hashHex(), now);
        PublicIdentity owner = c.verified().contract().party(Role.DATA_PROVIDER);
        if (!signedBy(owner, request)) {
            throw new BrokerRefusal(BrokerRefusal.Reason.BAD_SIGNATURE, "the owner unwrap is not signed by the contract's data "
                    + "provider " + owner.fingerprint() + ": only it opens its own keys through its broker");
        }
        challenges.markUsed(request.brokerNonce(), now);   // before the charge: concurrent copies of one request cost one token
        rates.charge(DataKeyGate.OWNER);
        requireInScope(request.masterKeyId(), c);
        byte[] wrapper = null;
        if (request.wrappedBy() != null) {
            if (!records.get(c.hashHex()).released(request.wrappedBy())) {
                throw new BrokerRefusal(BrokerRefusal.Reason.NOT_RELEASED, "this broker never released to instance "
                        + request.wrappedBy().substring(0, 16) + "… under contract " + c.hashHex() + ": the key is not one of "
                        + "this contract's results");
            }
            // a revoked instance is one its provider stopped trusting: the results it wrote (and the receipts it signed for
            // them) are not opened as the contract's answers (RevokedInstanceResultsAttackTest)
            revocations.requireNotRevoked(request.wrappedBy());
            wrapper = HexFormat.of().parseHex(request.wrappedBy());
        }
        WrappedDataKey key = WrappedDataKey.parse(request.wrappedKey());
        byte[] dataKey = wrapper == null ? masterKeys.unwrapProviders(request.masterKeyId(), key)
                : masterKeys.unwrapWrappedBy(request.masterKeyId(), key, wrapper);
        try {
            ReleaseRecord record = records.get(c.hashHex());
            long end;
            synchronized (record) {
                // a revocation recorded while the master key was read (whoever runs the state volume may hold a read up)
                // holds for this unwrap too: checked and recorded under the lock a revocation is written under
                if (request.wrappedBy() != null) {
                    revocations.requireNotRevokedUnderRecordLock(request.wrappedBy());
                }
                end = record.writeOwnerUnwrap(owner.fingerprint(), request.masterKeyId(), request.wrappedKey(), request.wrappedBy(), now);
            }
            record.awaitDurable(end);   // the key leaves only once its unwrap is on disk
            byte[] message = request.signingMessage();
            Hpke.Sealed sealed = Hpke.seal(owner.keyAgreementSuite(), owner.keyAgreementKey(), OwnerUnwrapRequest.answerInfo(),
                    message, dataKey);
            metrics.dataKey("owner_unwrap");
            LOG.info("unwrapped a data key under master key '{}' for the data provider of contract {}", request.masterKeyId(),
                    c.hashHex().substring(0, 12));
            return new UnwrapAnswer(sealed.enc(), sealed.ciphertext(), identity.sign(UnwrapAnswer.signingMessage(message,
                    sealed.enc(), sealed.ciphertext())));
        } catch (ProtocolException e) {
            throw new BrokerRefusal(BrokerRefusal.Reason.INTERNAL, "the data provider's key-agreement key is unusable");
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** A batch contract this broker serves, unexpired, whose data provider is this broker's own identity. */
    private BrokeredContract.Batch ownersContract(String hashHex, Instant now) throws BrokerRefusal {
        BrokeredContract c = contracts.get(hashHex);
        if (c == null) {
            throw new BrokerRefusal(BrokerRefusal.Reason.UNKNOWN_CONTRACT, "this broker serves no contract " + hashHex);
        }
        if (!now.isBefore(c.expiresAt())) {
            throw new BrokerRefusal(BrokerRefusal.Reason.CONTRACT_EXPIRED, "contract " + hashHex + " expired at " + c.expiresAt());
        }
        if (!(c instanceof BrokeredContract.Batch b) || b.role() != Role.DATA_PROVIDER) {
            throw new BrokerRefusal(BrokerRefusal.Reason.NOT_IN_SCOPE, "this broker is not the data provider's broker of "
                    + "contract " + hashHex + ": it unwraps for no owner under it");
        }
        return b;
    }

    private static boolean signedBy(PublicIdentity owner, OwnerUnwrapRequest request) {
        try {
            return owner.verify(request.signingMessage(), request.signature());
        } catch (ProtocolException e) {
            return false;
        }
    }

    /** As for instances: master key {@code id} serves the contracts of its scope, one without a scope a single-contract broker. */
    private void requireInScope(String id, BrokeredContract c) throws BrokerRefusal, IOException {
        Set<String> scope = masterKeys.scope(id);
        if (scope == null ? contracts.size() > 1 : !scope.contains(c.hashHex())) {
            throw new BrokerRefusal(BrokerRefusal.Reason.NOT_IN_SCOPE, "master key '" + id + "' does not serve contract "
                    + c.hashHex());
        }
    }
}
