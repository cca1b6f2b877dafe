package dev.veil.provider.broker;

import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.broker.BrokerChallenge;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.DataKeyChallenge;
import dev.veil.protocol.broker.DataKeyChallengeRequest;
import dev.veil.protocol.broker.ReleaseAnswer;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.broker.RevokedInstances;
import dev.veil.protocol.broker.UnwrapAnswer;
import dev.veil.protocol.broker.UnwrapRequest;
import dev.veil.protocol.broker.WrapAnswer;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.broker.WrappedAssetKey;
import dev.veil.protocol.broker.WrappedDataKey;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.translog.SignedTreeHead;
import dev.veil.protocol.wire.Messages;
import dev.veil.provider.TrustedCollateral;
import dev.veil.seal.AssetKey;
import java.io.IOException;
import java.nio.channels.FileLock;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider's key broker: its unattended stand-in for {@code veil join} / {@code veil provision}. An instance asks
 * for a challenge, then presents evidence binding the broker's nonce, the contract hash and its instance keys; the
 * broker appraises it with exactly the code the interactive commands use ({@link BrokeredContract#appraise}, with the
 * contract's reference values and the provider's own collateral trusted over the host's), refuses past the contract's
 * {@code max_instances} and after a revocation, records the release (signed, on disk) and only then answers with the
 * asset key HPKE-wrapped to the instance, as in the ceremony. Its data-key service wraps Parquet data keys under master
 * keys that never leave it, and unwraps them only for instances it released to.
 *
 * <p>Joint consent holds: each provider runs its own broker, and an instance holds a session's keys only once both
 * released to it. No HTTP here ({@link BrokerServer} carries it), so every check is tested directly too.
 */
public final class KeyBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeyBroker.class);
    /** How long a challenge may be answered: evidence is collected in well under a second on every platform. */
    public static final Duration CHALLENGE_LIFETIME = Duration.ofSeconds(60);

    /**
     * What the broker is configured with, checked by the command before it starts.
     *
     * @param acceptRecordRollback the operator's explicit repair: start although a release record is shorter than the
     *                             head the broker last kept for it (refused by default: a record rolled back forgets
     *                             instances, and max_instances with them)
     * @param dataKeyLimits        the bounds on wrap, unwrap and owner-unwrap requests, per caller and overall
     */
    public record Settings(double releasesPerSecond, int releaseBurst, List<byte[]> ownCollateral, TrustedCollateral fetched,
                           boolean acceptRecordRollback, DataKeyLimits dataKeyLimits) {
        public static Settings defaults() {
            return new Settings(50, 100, List.of(), TrustedCollateral.NONE, false, DataKeyLimits.defaults());
        }

        public Settings withRate(double perSecond, int burst) {
            return new Settings(perSecond, burst, ownCollateral, fetched, acceptRecordRollback, dataKeyLimits);
        }

        public Settings withCollateral(List<byte[]> own, TrustedCollateral fetcher) {
            return new Settings(releasesPerSecond, releaseBurst, List.copyOf(own), fetcher, acceptRecordRollback, dataKeyLimits);
        }

        public Settings withRecordRollbackAccepted() {
            return new Settings(releasesPerSecond, releaseBurst, ownCollateral, fetched, true, dataKeyLimits);
        }

        public Settings withDataKeyLimits(DataKeyLimits limits) {
            return new Settings(releasesPerSecond, releaseBurst, ownCollateral, fetched, acceptRecordRollback, limits);
        }
    }

    private final Identity identity;
    private final AssetKey assetKey;
    private final Map<String, BrokeredContract> contracts;
    private final Map<String, ReleaseRecord> records = new LinkedHashMap<>();
    private final FileLock lock;
    /** Set once the records are open ({@link #open}). */
    private RevocationLedger revocations;
    /** Records what the revoked file asks between requests; started with the ledger. */
    private RevocationWatch revocationWatch;
    private final MasterKeys masterKeys;
    private final BrokerChallenges challenges;
    private final ReleaseRate rate;
    private final Settings settings;
    private final BrokerMetrics metrics;
    private final OwnerUnwraps owner;
    private final DataKeyGate dataKeys;
    private final SimulationWarning simulation = new SimulationWarning(System::nanoTime, LOG::warn);

    private KeyBroker(Identity identity, AssetKey assetKey, Map<String, BrokeredContract> contracts, BrokerState state, FileLock lock,
                      Settings settings, Clock clock, BrokerMetrics metrics) {
        this.identity = identity;
        this.assetKey = assetKey;
        this.contracts = Map.copyOf(contracts);
        this.lock = lock;
        this.masterKeys = new MasterKeys(state.masterKeys());
        this.challenges = new BrokerChallenges(CHALLENGE_LIFETIME, clock);
        this.rate = new ReleaseRate(settings.releasesPerSecond(), settings.releaseBurst());
        this.settings = settings;
        this.metrics = metrics;
        this.dataKeys = new DataKeyGate(settings.dataKeyLimits(), clock);
        this.owner = new OwnerUnwraps(identity, this.contracts, records, masterKeys, dataKeys, clock, metrics, new OwnerUnwraps.RevocationCheck() {
            @Override
            public void requireNotRevoked(String instanceHex) throws BrokerRefusal {
                KeyBroker.this.requireNotRevoked(instanceHex);
            }

            @Override
            public void requireNotRevokedUnderRecordLock(String instanceHex) throws BrokerRefusal {
                KeyBroker.requireNotRevoked(instanceHex, revocations.inForce());
            }
        });
    }

    /** The data provider's own unwraps through this broker ({@code /v1/owner/…}). */
    OwnerUnwraps owner() {
        return owner;
    }

    /**
     * Opens the state directory (claimed for this identity, locked against a second broker) and verifies every
     * contract's release record before taking any request.
     *
     * @param assetKey the key released to appraised instances, or null for a broker that serves data keys only
     */
    public static KeyBroker open(Identity identity, AssetKey assetKey, List<BrokeredContract> contracts, BrokerState state,
                                 Settings settings, Clock clock, BrokerMetrics metrics) throws IOException, ProtocolException {
        if (assetKey != null) {
            requireOneAsset(contracts);
        }
        state.claimFor(identity.publicIdentity());
        FileLock lock = state.lock();
        Map<String, BrokeredContract> byHash = new LinkedHashMap<>();
        for (BrokeredContract c : contracts) {
            byHash.put(c.hashHex(), c);
        }
        KeyBroker b = new KeyBroker(identity, assetKey, byHash, state, lock, settings, clock, metrics);
        try {
            for (BrokeredContract c : contracts) {
                ReleaseRecord r = ReleaseRecord.open(state, c.hash(), identity, settings.acceptRecordRollback());
                b.records.put(c.hashHex(), r);
                metrics.instances(c.hashHex(), r::instanceCount);
            }
            // before the revocation watch starts: 'veil broker revoke' checks the records of exactly these contracts
            ServedContracts.publish(state, identity, b.records.keySet(), clock.instant());
            b.revocations = RevocationLedger.open(new Revocations(state.revoked()), List.copyOf(b.records.values()), clock);
            b.revocationWatch = RevocationWatch.start(b.revocations);
        } catch (IOException | ProtocolException | RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    /**
     * One asset key is the key of one asset: every contract it is released under must name that asset's digest, or an
     * instance appraised against one contract's reference values would get the key of another contract's model.
     */
    private static void requireOneAsset(List<BrokeredContract> contracts) throws ProtocolException {
        if (contracts.size() < 2) {
            return;
        }
        String first = contracts.get(0).assetSha256();
        for (BrokeredContract c : contracts) {
            if (c.assetSha256() == null || !c.assetSha256().equals(first)) {
                throw new ProtocolException("contracts " + contracts.get(0).hashHex() + " and " + c.hashHex() + " name "
                        + "different assets (or one names none), but the broker has one --asset-key: run one broker per asset");
            }
        }
    }

    public BrokerMetrics metrics() {
        return metrics;
    }

    /** A fresh nonce for one release under a contract this broker serves. */
    public BrokerChallenge challenge(ChallengeRequest request) throws BrokerRefusal {
        BrokeredContract c = contract(request.contractHash());
        Instant now = challenges.now();
        requireUnexpired(c, now);
        byte[] nonce = challenges.issue(c.hashHex(), now);
        return new BrokerChallenge(c.hashHex(), nonce, now.plus(CHALLENGE_LIFETIME).getEpochSecond());
    }

    /**
     * A fresh nonce for one wrap or unwrap: an instance's under a contract this broker serves, unexpired; the provider's
     * (no contract) for its own wraps.
     */
    public DataKeyChallenge dataKeyChallenge(DataKeyChallengeRequest request) throws BrokerRefusal {
        if (request.contractHash() != null) {
            requireUnexpired(contract(request.contractHash()), dataKeys.now());
        }
        return dataKeys.challenge(DataKeyChallengeRequest.binding(request.contractHash()));
    }

    /**
     * The release: the cheap checks first (contract, revocation, the broker's nonce, the key-wrap suite), then the
     * release rate, which so bounds only appraisals a stranger cannot skip by sending junk, and the nonce marked used
     * with it, then the appraisal, the instance bound, the record, and only then the answer.
     */
    public ReleaseAnswer release(ReleaseRequest request) throws BrokerRefusal, IOException {
        ReleaseSteps steps = new ReleaseSteps(metrics);
        BrokeredContract c = contract(request.contractHash());
        Instant now = challenges.now();
        requireUnexpired(c, now);
        Messages.EvidenceOffer offer = request.offer();
        InstanceKeys keys = offer.instanceKeys();
        String instance = Digests.hex(keys.digest());
        requireNotRevoked(instance);
        challenges.check(request.brokerNonce(), c.hashHex(), now);
        if (keys.keyWrapSuite() != c.keyWrap()) {
            throw new BrokerRefusal(BrokerRefusal.Reason.EVIDENCE_REFUSED, "the instance's key-wrap key is "
                    + keys.keyWrapSuite().id() + ", but the contract names " + c.keyWrap().id());
        }
        if (!rate.tryTake()) {
            throw new BrokerRefusal(BrokerRefusal.Reason.RATE_LIMITED, "the broker's release rate is exceeded; retry after "
                    + rate.retryAfterSeconds() + " s");
        }
        // spent with its token, whatever the appraisal finds: one challenge buys one appraisal, so a stranger replaying a
        // real nonce with junk evidence cannot use up the rate the genuine instances share (an instance whose appraisal
        // failed asks for a new challenge, as BrokerRelease does at every attempt)
        challenges.markUsed(request.brokerNonce(), now);
        steps.done("checks");
        try {
            VerificationOptions options = settings.fetched().addTo(new VerificationOptions(now, settings.ownCollateral(), List.of()),
                    offer.platform(), offer.evidence(), offer.collateral()).withEvidenceCollateral(offer.collateral());
            if (c.appraise(offer.platform(), offer.evidence(), request.brokerNonce(), keys, options).simulated()) {
                simulation.released();
            }
        } catch (AttestationException e) {
            throw new BrokerRefusal(BrokerRefusal.Reason.EVIDENCE_REFUSED, "evidence refused: " + e.getMessage());
        } catch (dev.veil.provider.collateral.FetchedTrustedCollateral.Unavailable e) {
            throw new BrokerRefusal(BrokerRefusal.Reason.COLLATERAL_UNAVAILABLE, "the broker cannot fetch its own collateral now ("
                    + e.getMessage() + "); retry later");
        }
        steps.done("appraisal");
        ReleaseRecord record = records.get(c.hashHex());
        KeyReleaseTranscript t = ReleaseAnswer.transcript(c.hashHex(), c.role(), request.brokerNonce(), offer.enclaveNonce(),
                offer.evidence(), keys);
        WrappedAssetKey wrapped;
        long end;
        synchronized (record) {
            // a revocation written while the evidence was appraised holds for this release too
            requireNotRevoked(instance, revocations.inForce());
            if (!record.counted(instance) && record.instanceCount() >= c.instanceLimit()) {
                throw new BrokerRefusal(BrokerRefusal.Reason.INSTANCE_LIMIT, "the contract allows " + c.instanceLimit()
                        + " instance(s) and this broker has released to " + record.instanceCount() + "; a new instance needs a "
                        + "contract with a larger max_instances");
            }
            try {
                wrapped = assetKey == null ? null : WrappedAssetKey.of(AssetKeyWrap.wrap(assetKey, new byte[0], keys.keyWrapSuite(),
                        keys.keyWrapKey(), t.hpkeInfo(), t.context()));
            } catch (ProtocolException e) {
                throw new BrokerRefusal(BrokerRefusal.Reason.EVIDENCE_REFUSED, "the instance's key-wrap key is unusable: "
                        + e.getMessage());
            }
            steps.done("hpke_wrap");
            end = record.writeRelease(instance, offer.evidence(), now);
            steps.done("record_append");
        }
        record.awaitDurable(end);   // the key leaves only once its release is on disk
        steps.done("record_durable");
        metrics.release();
        LOG.info("released {} to instance {} under contract {}", wrapped == null ? "admission" : "the asset key",
                instance.substring(0, 16), c.hashHex().substring(0, 12));
        ReleaseAnswer answer = new ReleaseAnswer(c.hashHex(), c.role(), request.brokerNonce(), offer.enclaveNonce(), wrapped,
                identity.sign(ReleaseAnswer.signingMessage(t, wrapped)));
        steps.done("answer_sign_and_log");
        return answer;
    }

    /** Wraps a data key for the broker's own provider or for an instance it released to. */
    public WrapAnswer wrap(WrapRequest request) throws BrokerRefusal, IOException {
        if (request.instance() == null) {
            Instant now = dataKeys.now();
            dataKeys.checkFresh(request.brokerNonce(), request.nonceBinding(), now);
            if (!verifies(() -> identity.publicIdentity().verify(request.signingMessage(), request.signature()))) {
                throw new BrokerRefusal(BrokerRefusal.Reason.BAD_SIGNATURE, "the wrap request is not signed by this broker's "
                        + "provider " + identity.publicIdentity().fingerprint());
            }
            dataKeys.admit(request.brokerNonce(), DataKeyGate.PROVIDER, now);
        } else {
            BrokeredContract c = requireReleasedCaller(request.instance(), request.brokerNonce(), request.signingMessage(),
                    request.signature());
            requireInScope(request.masterKeyId(), c);
        }
        byte[] dataKey;
        try {
            dataKey = Hpke.open(identity.keyAgreement(), WrapRequest.hpkeInfo(), WrapRequest.aad(request.masterKeyId(), request.instance()),
                    new Hpke.Sealed(request.enc(), request.sealedDataKey()));
        } catch (ProtocolException e) {
            throw new BrokerRefusal(BrokerRefusal.Reason.BAD_REQUEST, "the data key is not sealed to this broker for this master "
                    + "key and caller");
        }
        try {
            WrappedDataKey w = masterKeys.wrap(request.masterKeyId(), dataKey,
                    request.instance() == null ? null : request.instance().instanceKeys().digest());
            metrics.dataKey("wrap");
            return new WrapAnswer(w.text());
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /**
     * Unwraps a data key the provider wrapped (or this same instance wrapped), for an instance the broker released to under
     * a contract the master key serves, sealed to that instance's key-wrap key and signed by the broker's identity.
     */
    public UnwrapAnswer unwrap(UnwrapRequest request) throws BrokerRefusal, IOException {
        BrokeredContract c = requireReleasedCaller(request.instance(), request.brokerNonce(), request.signingMessage(),
                request.signature());
        requireInScope(request.masterKeyId(), c);
        byte[] dataKey = masterKeys.unwrapFor(request.masterKeyId(), WrappedDataKey.parse(request.wrappedKey()),
                request.instance().instanceKeys().digest());
        try {
            // a revocation recorded since the caller was checked (reading the master key may have been held up as long as
            // whoever runs the state volume likes) holds for this answer too: checked under the record's lock, which a
            // revocation is written under, so an answer is either decided before the revocation or refused
            requireNotRevokedNow(c.hashHex(), Digests.hex(request.instance().instanceKeys().digest()));
            InstanceKeys keys = request.instance().instanceKeys();
            Hpke.Sealed sealed = Hpke.seal(keys.keyWrapSuite(), keys.keyWrapKey(), UnwrapRequest.answerInfo(), request.signingMessage(),
                    dataKey);
            metrics.dataKey("unwrap");
            return new UnwrapAnswer(sealed.enc(), sealed.ciphertext(), identity.sign(UnwrapAnswer.signingMessage(
                    request.signingMessage(), sealed.enc(), sealed.ciphertext())));
        } catch (ProtocolException e) {
            throw new BrokerRefusal(BrokerRefusal.Reason.BAD_REQUEST, "the instance's key-wrap key is unusable: " + e.getMessage());
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** How many releases (to instances; owner unwraps are not releases) a contract's record holds. */
    public long releaseCount(String contractHex) throws BrokerRefusal {
        contract(contractHex);
        return records.get(contractHex).releaseCount();
    }

    /** The newest signed head of a contract's release record, or null before its first release. */
    public SignedTreeHead head(String contractHex) throws BrokerRefusal {
        contract(contractHex);
        return records.get(contractHex).head();
    }

    /**
     * An admission under one contract is no consent to another contract's data: master key {@code id} serves only the
     * contracts of its scope, and one created without a scope only a broker of a single contract.
     */
    private void requireInScope(String id, BrokeredContract c) throws BrokerRefusal, IOException {
        java.util.Set<String> scope = masterKeys.scope(id);
        if (scope == null ? contracts.size() > 1 : !scope.contains(c.hashHex())) {
            throw new BrokerRefusal(BrokerRefusal.Reason.NOT_IN_SCOPE, "master key '" + id + "' does not serve contract "
                    + c.hashHex() + (scope == null ? ": it names no contract, and this broker serves several (the provider "
                    + "names them with 'veil broker master-key --for-contract')" : ""));
        }
    }

    /**
     * The instance must have been released to under the named contract, be unrevoked, answer a fresh data-key nonce
     * of this broker's for that contract and have signed the request; then the nonce is spent, and its request charged
     * to its rate and the broker's.
     */
    private BrokeredContract requireReleasedCaller(CallerInstance caller, byte[] nonce, byte[] message, byte[] signature)
            throws BrokerRefusal {
        BrokeredContract c = contract(caller.contractHash());
        Instant now = dataKeys.now();
        requireUnexpired(c, now);
        String instance = Digests.hex(caller.instanceKeys().digest());
        if (!records.get(c.hashHex()).released(instance)) {
            throw new BrokerRefusal(BrokerRefusal.Reason.NOT_RELEASED, "this broker never released to instance "
                    + instance.substring(0, 16) + "… under contract " + c.hashHex() + ": present evidence first ("
                    + dev.veil.protocol.broker.BrokerMessages.RELEASE + ")");
        }
        requireNotRevoked(instance);
        dataKeys.checkFresh(nonce, DataKeyChallengeRequest.binding(c.hashHex()), now);
        if (!verifies(() -> instanceSignatureValid(caller.instanceKeys(), message, signature))) {
            throw new BrokerRefusal(BrokerRefusal.Reason.BAD_SIGNATURE, "the request is not signed by the instance's signing key");
        }
        dataKeys.admit(nonce, instance, now);
        return c;
    }

    private static boolean instanceSignatureValid(InstanceKeys keys, byte[] message, byte[] signature) throws ProtocolException {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(keys.signingKey())));
            s.update(message);
            return s.verify(signature);
        } catch (java.security.SignatureException e) {
            return false;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new ProtocolException("the instance's signing key is malformed");
        }
    }

    private interface Check {
        boolean holds() throws ProtocolException;
    }

    private static boolean verifies(Check check) {
        try {
            return check.holds();
        } catch (ProtocolException e) {
            return false;
        }
    }

    private void requireNotRevoked(String instance) throws BrokerRefusal {
        requireNotRevoked(instance, revocations.current());
    }

    /** The revocations in force, checked under the lock of contract {@code contractHex}'s record (revocations are written under it). */
    private void requireNotRevokedNow(String contractHex, String instance) throws BrokerRefusal {
        ReleaseRecord record = records.get(contractHex);
        synchronized (record) {
            requireNotRevoked(instance, revocations.inForce());
        }
    }

    private static void requireNotRevoked(String instance, RevokedInstances r) throws BrokerRefusal {
        if (r.all()) {
            throw new BrokerRefusal(BrokerRefusal.Reason.REVOKED, "this broker's provider revoked every release ('veil broker revoke --all')");
        }
        if (r.revoked(instance)) {
            throw new BrokerRefusal(BrokerRefusal.Reason.REVOKED, "this broker's provider revoked instance " + instance.substring(0, 16) + "…");
        }
    }

    private BrokeredContract contract(String hashHex) throws BrokerRefusal {
        BrokeredContract c = contracts.get(hashHex);
        if (c == null) {
            throw new BrokerRefusal(BrokerRefusal.Reason.UNKNOWN_CONTRACT, "this broker releases under no contract " + hashHex);
        }
        return c;
    }

    private static void requireUnexpired(BrokeredContract c, Instant now) throws BrokerRefusal {
        if (!now.isBefore(c.expiresAt())) {
            throw new BrokerRefusal(BrokerRefusal.Reason.CONTRACT_EXPIRED, "contract " + c.hashHex() + " expired at " + c.expiresAt());
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (revocationWatch != null) {
                revocationWatch.close();   // stopped first: the ledger's last recording is the last write
            }
            if (revocations != null) {
                revocations.close();
            }
            for (ReleaseRecord r : records.values()) {
                r.close();
            }
        } finally {
            lock.channel().close();
        }
    }
}
