package dev.veil.enclave.serving;

import dev.veil.attest.Platform;
import dev.veil.protocol.json.Digests;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evidence this instance handed out, by the enclave nonce that went with it, until a provisioning release uses it
 * (once) or it ages out. HTTP keeps no connection, so this is what binds a release to the evidence its provider
 * verified and to a nonce of the enclave's (its freshness towards the enclave: a recorded release cannot be replayed).
 *
 * <p>Anyone may attest, so strangers' challenges share this table with the model provider's. Bounded, and when full a
 * challenge younger than {@link #PROTECTED} is never forgotten for a newer one: the new attestation is refused 503 (its
 * caller retries) instead, so a stranger's loop cannot take away a challenge whose provider is still appraising the
 * evidence. Past that, the oldest is forgotten first (its provider attests again).
 */
final class Challenges {
    /** Long enough for a provider to appraise evidence (collateral fetches included) and send its release. */
    static final Duration PROTECTED = Duration.ofSeconds(60);

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

    /** Keeps {@code issued}; refused when the table is full of challenges still within {@link #PROTECTED}. */
    synchronized void issued(byte[] enclaveNonce, Issued issued) throws ServingFailure {
        Instant now = issued.at();
        for (Iterator<Issued> i = byEnclaveNonce.values().iterator(); i.hasNext(); ) {
            Issued oldest = i.next();   // in the order issued: stop at the first one that may stay
            if (byEnclaveNonce.size() < capacity && !oldest.at().plus(lifetime).isBefore(now)) {
                break;
            }
            if (!oldest.at().plus(PROTECTED).isBefore(now)) {
                throw new ServingFailure(Refusal.OVERLOADED, "this instance holds as many open attestations as it keeps; "
                        + "attest again in a few seconds");
            }
            i.remove();
        }
        byEnclaveNonce.put(Digests.hex(enclaveNonce), issued);
    }

    /** The challenge of {@code enclaveNonce}, taken (it answers one release only), or null if unknown or too old. */
    synchronized Issued take(byte[] enclaveNonce, Instant now) {
        Issued i = byEnclaveNonce.remove(Digests.hex(enclaveNonce));
        return i == null || i.at().plus(lifetime).isBefore(now) ? null : i;
    }
}
