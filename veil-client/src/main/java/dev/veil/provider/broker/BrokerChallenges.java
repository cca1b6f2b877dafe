package dev.veil.provider.broker;

import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.json.Digests;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The broker's challenges without a table of open ones: a nonce is a MAC, under a key the broker drew at start and
 * never lets out, over the contract it was issued for and its issue time, so issuing one stores nothing and strangers
 * asking for challenges, however fast, cannot crowd out a genuine instance's.
 *
 * <p>Nonce ({@link EvidenceBinding#NONCE_LENGTH} bytes): {@code issued_at (u64 BE, ms) ‖ random (8) ‖
 * HMAC-SHA256(key, labelled256("veil broker challenge v1", contract hash, issued_at, random))[0..16]}.
 *
 * <p>A nonce is used at most once: it is remembered as used once a release answering it was charged to the release
 * rate ({@link #markUsed}), whatever its appraisal then finds, so only work the release rate paid for adds to that set, which forgets a nonce one
 * lifetime after it was used (by then it is refused as expired anyway: it was issued before it was used). Time never
 * runs backwards here: the latest time read is kept, so a clock stepped back cannot revive an expired nonce, and the
 * set, in order of use, is also in order of forgetting: each use forgets from its head only what is due, instead of
 * walking every nonce used in the last lifetime (which at a high release rate was a tenth of the broker's CPU).
 *
 * <p>Forgetting is judged by the latest time read, so expiry is too: a request that read the time when it began and
 * was held before its check (waiting for a record's lock) would otherwise judge its nonce by an earlier time than the
 * one a concurrent use swept by, and find a nonce already forgotten neither expired nor used. So {@link #check} and
 * {@link #markUsed} judge expiry, under the set's lock, by the later of the request's time and the latest read, and
 * {@link #markUsed} refuses a nonce expired by then: a nonce is forgotten only once no request can still accept it.
 */
final class BrokerChallenges {
    private static final String MAC = "HmacSHA256";
    private static final String LABEL = "veil broker challenge v1";
    private static final int RANDOM_LENGTH = 8;
    private static final int TAG_LENGTH = EvidenceBinding.NONCE_LENGTH - 8 - RANDOM_LENGTH;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final Duration lifetime;
    private final Clock clock;
    private final AtomicLong latestMillis = new AtomicLong(Long.MIN_VALUE);
    /** Used nonces in the order they were used, with the time they were used; forgotten one lifetime after. */
    private final LinkedHashMap<String, Long> used = new LinkedHashMap<>();

    BrokerChallenges(Duration lifetime, Clock clock) {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        this.key = new SecretKeySpec(k, MAC);
        Arrays.fill(k, (byte) 0);   // SecretKeySpec keeps its own copy
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** The current time, never earlier than one already read. */
    Instant now() {
        return Instant.ofEpochMilli(latestMillis.accumulateAndGet(clock.millis(), Math::max));
    }

    /** A fresh nonce for {@code contractHash}, issued at {@code now}. */
    byte[] issue(String contractHash, Instant now) {
        long at = now.toEpochMilli();
        byte[] random = new byte[RANDOM_LENGTH];
        RANDOM.nextBytes(random);
        return ByteBuffer.allocate(EvidenceBinding.NONCE_LENGTH).putLong(at).put(random).put(tag(contractHash, at, random)).array();
    }

    /**
     * Checks, without changing anything, that {@code nonce} was issued by this broker for {@code contractHash}, is
     * within its lifetime and was not used: the cheap checks made before the release rate is charged.
     */
    void check(byte[] nonce, String contractHash, Instant now) throws BrokerRefusal {
        ByteBuffer b = ByteBuffer.wrap(nonce);
        long at = b.getLong();
        byte[] random = new byte[RANDOM_LENGTH];
        b.get(random);
        byte[] tag = new byte[TAG_LENGTH];
        b.get(tag);
        if (!MessageDigest.isEqual(tag, tag(contractHash, at, random))) {
            throw new BrokerRefusal(BrokerRefusal.Reason.STALE_CHALLENGE, "the evidence answers no challenge this broker issued "
                    + "for contract " + contractHash + " (unknown, for another contract, or from before a broker restart): ask for "
                    + "a new challenge");
        }
        synchronized (used) {
            requireUnexpired(at, judgedAt(now));
            if (used.containsKey(Digests.hex(nonce))) {
                throw usedAlready();
            }
        }
    }

    /**
     * Marks {@code nonce} (one {@link #check} accepted) used, once the work it pays for may begin; refused if a
     * concurrent request used it first, or if it expired meanwhile (then it may have been forgotten already).
     */
    void markUsed(byte[] nonce, Instant now) throws BrokerRefusal {
        long issuedAt = ByteBuffer.wrap(nonce).getLong();
        synchronized (used) {
            // the latest time read, so that uses enter in time order even when callers read the clock in another order
            long at = judgedAt(now);
            requireUnexpired(issuedAt, at);
            sweep(at);
            if (used.putIfAbsent(Digests.hex(nonce), at) != null) {
                throw usedAlready();
            }
        }
    }

    /** The later of a request's own time and the latest read: the time the used set forgets by. Read under its lock. */
    private long judgedAt(Instant now) {
        return Math.max(now.toEpochMilli(), latestMillis.get());
    }

    private void requireUnexpired(long issuedAt, long atMillis) throws BrokerRefusal {
        if (atMillis - issuedAt >= lifetime.toMillis() || issuedAt > atMillis) {
            throw new BrokerRefusal(BrokerRefusal.Reason.STALE_CHALLENGE, "the broker's challenge is older than "
                    + lifetime.toSeconds() + " s: ask for a new challenge");
        }
    }

    private BrokerRefusal usedAlready() {
        return new BrokerRefusal(BrokerRefusal.Reason.STALE_CHALLENGE, "the broker's challenge was used already: ask for a new "
                + "challenge");
    }

    /** Forgets, from the oldest use on, the nonces used a whole lifetime before {@code nowMillis}; stops at the first not due. */
    private void sweep(long nowMillis) {
        long due = nowMillis - lifetime.toMillis();
        for (Iterator<Map.Entry<String, Long>> i = used.entrySet().iterator(); i.hasNext(); ) {
            if (i.next().getValue() > due) {
                return;
            }
            i.remove();
        }
    }

    private byte[] tag(String contractHash, long at, byte[] random) {
        byte[] bound = Digests.labelled256(LABEL, contractHash.getBytes(StandardCharsets.US_ASCII),
                ByteBuffer.allocate(8).putLong(at).array(), random);
        try {
            Mac mac = Mac.getInstance(MAC);
            mac.init(key);
            return Arrays.copyOf(mac.doFinal(bound), TAG_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }
}
