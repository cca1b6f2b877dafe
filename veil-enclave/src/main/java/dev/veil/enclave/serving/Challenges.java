package dev.veil.enclave.serving;

import dev.veil.attest.Platform;
import dev.veil.protocol.json.Digests;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evidence this instance handed out, by the enclave nonce that went with it, until a provisioning release uses it
 * (once) or it ages out. HTTP keeps no connection, so this is what binds a release to the evidence its provider
 * verified and to a nonce of the enclave's (its freshness towards the enclave: a recorded release cannot be replayed).
 * Bounded: when full, the oldest is forgotten (its provider attests again).
 */
final class Challenges {
    /** What was handed out for one challenge: kept to check the release against and to put in the discard receipt. */
    record Issued(byte[] providerNonce, Platform platform, byte[] evidence, List<byte[]> collateral, Instant at) {
    }

    private final int capacity;
    private final Duration lifetime;
    private final Map<String, Issued> byEnclaveNonce = new LinkedHashMap<>();

    Challenges(int capacity, Duration lifetime) {
        this.capacity = capacity;
        this.lifetime = lifetime;
    }

    synchronized void issued(byte[] enclaveNonce, Issued issued) {
        if (byEnclaveNonce.size() >= capacity) {
            String oldest = byEnclaveNonce.keySet().iterator().next();
            byEnclaveNonce.remove(oldest);
        }
        byEnclaveNonce.put(Digests.hex(enclaveNonce), issued);
    }

    /** The challenge of {@code enclaveNonce}, taken (it answers one release only), or null if unknown or too old. */
    synchronized Issued take(byte[] enclaveNonce, Instant now) {
        Issued i = byEnclaveNonce.remove(Digests.hex(enclaveNonce));
        return i == null || i.at().plus(lifetime).isBefore(now) ? null : i;
    }
}
