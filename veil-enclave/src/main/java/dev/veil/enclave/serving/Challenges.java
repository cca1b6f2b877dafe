package dev.veil.enclave.serving;

import dev.veil.attest.Platform;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.servinghttp.ProvisionRelease;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Attestation challenges without a table: the enclave nonce handed out with each piece of evidence is a MAC, under a
 * key this instance drew at start and never lets out, over what a provisioning release must be bound to (the
 * provider's nonce, the evidence and collateral handed out, a serial number and the issue time). The release carries
 * all of it back, and the enclave recomputes the MAC; so nothing is stored per attestation, and strangers' attestations,
 * however many, cannot crowd out the model provider's.
 *
 * <p>Token ({@link ProvisionRelease#ENCLAVE_NONCE_LENGTH} bytes): {@code serial (u64 BE) ‖ issued_at (u64 BE, ms since
 * 1970 UTC) ‖ HMAC-SHA256(key, labelled256("veil serving challenge v1", serial, issued_at, provider nonce, platform,
 * SHA-256(evidence), labelled256("veil serving collateral v1", collateral…)))}.
 *
 * <p>A release is taken once: its serial must be above the last one taken ({@link #take}), one number, not a table.
 * Only a release whose model provider's signature verified moves it, so nobody else can use up the model provider's
 * challenges; and a release recorded while its first use failed (a bad upload) cannot be sent again.
 */
final class Challenges {
    private static final String MAC = "HmacSHA256";
    private static final String LABEL = "veil serving challenge v1";
    private static final int TAG_LENGTH = 32;
    /** How far in the future an issue time may be, for a clock that stepped back since (never, for a genuine token). */
    private static final Duration CLOCK_STEP = Duration.ofSeconds(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What was handed out for one challenge: checked against the release and put in the discard receipt. */
    record Issued(long serial, byte[] providerNonce, Platform platform, byte[] evidence, List<byte[]> collateral) {
        Issued {
            providerNonce = providerNonce.clone();
            collateral = List.copyOf(collateral);
        }
    }

    private final SecretKeySpec key;
    private final Duration lifetime;
    private final Clock clock;
    private final AtomicLong serials = new AtomicLong();
    /** The latest time any issue or check saw: a token once found expired stays expired if the clock steps back. */
    private final AtomicLong latestMillis = new AtomicLong(Long.MIN_VALUE);
    private long takenThrough;
    /**
     * The enclave nonces an upload started for: an upload authorization is good for one upload. Only the model
     * provider's signatures add to it, and a release's take drops what it made unusable anyway.
     */
    private final Set<ByteBuffer> uploadsStarted = new HashSet<>();

    Challenges(Duration lifetime, Clock clock) {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        this.key = new SecretKeySpec(k, MAC);
        Arrays.fill(k, (byte) 0);   // SecretKeySpec keeps its own copy
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** The enclave nonce for evidence handed out now to a provider's nonce. */
    byte[] issue(byte[] providerNonce, Platform platform, byte[] evidence, List<byte[]> collateral) {
        long serial = serials.incrementAndGet();
        long at = nowMillis();
        return ByteBuffer.allocate(ProvisionRelease.ENCLAVE_NONCE_LENGTH).putLong(serial).putLong(at)
                .put(tag(serial, at, providerNonce, platform, evidence, collateral)).array();
    }

    /**
     * What {@code enclaveNonce} was issued for, if this instance issued it for exactly this provider nonce, evidence and
     * collateral (the tag compared in constant time) within its lifetime; else a refusal, the same for every cause but
     * age, so a forger learns nothing from it.
     */
    Issued check(byte[] enclaveNonce, byte[] providerNonce, Platform platform, byte[] evidence, List<byte[]> collateral)
            throws ServingFailure {
        if (enclaveNonce.length != ProvisionRelease.ENCLAVE_NONCE_LENGTH) {
            throw unknown();
        }
        ByteBuffer b = ByteBuffer.wrap(enclaveNonce);
        long serial = b.getLong();
        long at = b.getLong();
        byte[] tag = new byte[TAG_LENGTH];
        b.get(tag);
        if (!MessageDigest.isEqual(tag, tag(serial, at, providerNonce, platform, evidence, collateral))) {
            throw unknown();
        }
        requireFresh(at);
        return new Issued(serial, providerNonce, platform, evidence, collateral);
    }

    private void requireFresh(long at) throws ServingFailure {
        Instant issued = Instant.ofEpochMilli(at);
        Instant now = Instant.ofEpochMilli(nowMillis());
        if (issued.plus(lifetime).isBefore(now) || issued.isAfter(now.plus(CLOCK_STEP))) {
            throw new ServingFailure(403, FailureCode.CONTRACT_REFUSED, "the release answers no attestation this instance can "
                    + "still take: it was issued at " + issued + ", more than " + lifetime.toMinutes() + " minutes ago; attest again");
        }
    }

    /**
     * Whether an upload for {@code enclaveNonce} may start (checked at the upload's headers, before its body, once the
     * model provider's signature over it verified): a serial this instance handed out and no release took yet, issued
     * within the lifetime, and no upload started for yet (it is then spent). The tag is checked with the whole release, which the body carries; the model provider's
     * signature stands for it here, since the model provider signs only an enclave nonce this instance gave it.
     */
    void checkUploadable(byte[] enclaveNonce) throws ServingFailure {
        ByteBuffer b = ByteBuffer.wrap(enclaveNonce);
        long serial = b.getLong();
        long at = b.getLong();
        if (serial <= 0 || serial > serials.get()) {
            throw unknown();
        }
        requireFresh(at);
        synchronized (this) {
            // Spent as its upload starts: a copy of the header (seen by the host, or on the wire without TLS) holds the
            // upload slot once at most, never again and again for the nonce's lifetime.
            if (serial <= takenThrough || !uploadsStarted.add(ByteBuffer.wrap(enclaveNonce.clone()))) {
                throw usedAlready();
            }
        }
    }

    /** Takes {@code issued} for a release whose signature verified: refused if it, or a later one, was taken before. */
    synchronized void take(Issued issued) throws ServingFailure {
        if (issued.serial() <= takenThrough) {
            throw usedAlready();
        }
        takenThrough = issued.serial();
        uploadsStarted.removeIf(nonce -> nonce.getLong(0) <= takenThrough);
    }

    /**
     * The clock's time, never earlier than a time this instance already read: in a TEE the wall clock is the host's, and
     * a host that steps it back must not revive a release already found expired (the instance passes a clock that runs
     * on the process's monotonic counter, {@link ProcessClock}, so this is a second line).
     */
    private long nowMillis() {
        long read = clock.millis();
        return latestMillis.accumulateAndGet(read, Math::max);
    }

    private byte[] tag(long serial, long at, byte[] providerNonce, Platform platform, byte[] evidence, List<byte[]> collateral) {
        byte[] bound = Digests.labelled256(LABEL, ByteBuffer.allocate(8).putLong(serial).array(),
                ByteBuffer.allocate(8).putLong(at).array(), providerNonce, platform.id().getBytes(StandardCharsets.US_ASCII),
                Digests.sha256(evidence), Digests.labelled256("veil serving collateral v1", collateral.toArray(byte[][]::new)));
        try {
            Mac mac = Mac.getInstance(MAC);
            mac.init(key);
            return mac.doFinal(bound);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }

    private static ServingFailure usedAlready() {
        return new ServingFailure(403, FailureCode.CONTRACT_REFUSED, "the release answers no attestation this instance can "
                + "still take: a release for it (or for a later one) was used already; attest again");
    }

    private static ServingFailure unknown() {
        return new ServingFailure(403, FailureCode.CONTRACT_REFUSED, "the release answers no attestation this instance gave "
                + "(its enclave nonce, provider nonce, evidence or collateral is not what this instance handed out): attest again");
    }
}
