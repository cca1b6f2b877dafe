package dev.veil.provider.broker;

import dev.veil.protocol.broker.DataKeyChallenge;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every data-key request (wrap, unwrap, the owner's unwrap) passes before the broker does its work: freshness
 * and rate.
 *
 * <p>Freshness: each wrap or unwrap signs a nonce from {@code POST /v1/keys/challenge} ({@link BrokerChallenges}, under a
 * key of its own, so a release's or an owner's nonce never serves here), bound to the caller's contract (or to the
 * provider), accepted once and within {@link KeyBroker#CHALLENGE_LIFETIME}: a captured request, replayed, is refused
 * ({@code stale_challenge}) and triggers no work, no audit line and no second answer.
 *
 * <p>Rate: token buckets per caller (an instance's keys digest, or the provider, or the owner) and over all callers,
 * both charged only once the caller's signature verified and its nonce was spent: a stranger cannot spend a genuine
 * caller's tokens, nor the broker's (copies of a captured request sent at once all pass the signature check, but only
 * the one that spends the nonce is charged), and any one caller, however attested, gets at most its share of the HPKE
 * and disk work. The two buckets are charged together or not at all, so a refusal by the broker-wide rate costs the
 * caller nothing. The callers are the instances released to (bounded by the contracts' max_instances) and the
 * provider, so the table stays small.
 */
final class DataKeyGate {
    static final String PROVIDER = "provider";
    static final String OWNER = "owner";

    private final BrokerChallenges challenges;
    private final DataKeyLimits limits;
    private final ReleaseRate overall;
    private final Map<String, ReleaseRate> perCaller = new ConcurrentHashMap<>();
    /** Held while both buckets are charged, so that no charge sees a token taken that is about to be given back. */
    private final Object charging = new Object();

    DataKeyGate(DataKeyLimits limits, Clock clock) {
        this.challenges = new BrokerChallenges(KeyBroker.CHALLENGE_LIFETIME, clock);
        this.limits = limits;
        this.overall = new ReleaseRate(limits.overallPerSecond(), limits.overallBurst());
    }

    Instant now() {
        return challenges.now();
    }

    /** A fresh nonce for one request of the caller kind {@code binding} (a contract hash, or "provider"). */
    DataKeyChallenge challenge(String binding) {
        Instant now = challenges.now();
        return new DataKeyChallenge(challenges.issue(binding, now), now.plus(KeyBroker.CHALLENGE_LIFETIME).getEpochSecond());
    }

    /** The cheap check, before the caller's signature is verified: this broker issued the nonce for this binding, recently, and it is unused. */
    void checkFresh(byte[] nonce, String binding, Instant now) throws BrokerRefusal {
        challenges.check(nonce, binding, now);
    }

    /**
     * Once the caller's signature verified: spends the nonce, then charges the caller's bucket and the broker's. In
     * that order, so that of concurrent copies of one request only the one that spent the nonce costs a token; a
     * request refused by the rate has spent its nonce, and its retry asks for a new one.
     */
    void admit(byte[] nonce, String caller, Instant now) throws BrokerRefusal {
        challenges.markUsed(nonce, now);
        charge(caller);
    }

    /**
     * Takes a token from {@code caller}'s bucket and one from the broker-wide bucket, or from neither: refused with a
     * retry time when either is empty.
     */
    void charge(String caller) throws BrokerRefusal {
        ReleaseRate own = perCaller.computeIfAbsent(caller, k -> new ReleaseRate(limits.perCallerPerSecond(), limits.perCallerBurst()));
        synchronized (charging) {
            if (!own.tryTake()) {
                throw limited("this caller's data-key rate", own);
            }
            if (!overall.tryTake()) {
                own.giveBack();
                throw limited("the broker's data-key rate", overall);
            }
        }
    }

    private static BrokerRefusal limited(String which, ReleaseRate rate) {
        return new BrokerRefusal(BrokerRefusal.Reason.RATE_LIMITED, which + " is exceeded; retry after " + rate.retryAfterSeconds()
                + " s with a new challenge");
    }
}
