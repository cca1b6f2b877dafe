package dev.veil.provider.broker;

import dev.veil.protocol.json.Digests;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The broker's open nonces: each issued for one contract, used at most once, within {@link #lifetime}. The table is
 * bounded; when it is full of live nonces a new challenge is refused (503, retry) rather than evicting one an instance
 * is answering, so strangers asking for challenges cannot make a genuine instance's nonce go stale.
 */
final class BrokerChallenges {
    private record Open(String contractHash, Instant issued) {
    }

    private final int capacity;
    private final Duration lifetime;
    /** Insertion order is issue order: the oldest come first when expired ones are swept. */
    private final LinkedHashMap<String, Open> open = new LinkedHashMap<>();

    BrokerChallenges(int capacity, Duration lifetime) {
        this.capacity = capacity;
        this.lifetime = lifetime;
    }

    Duration lifetime() {
        return lifetime;
    }

    synchronized void issued(byte[] nonce, String contractHash, Instant now) throws BrokerRefusal {
        sweep(now);
        if (open.size() >= capacity) {
            throw new BrokerRefusal(BrokerRefusal.Reason.OVERLOADED, "the broker has " + capacity
                    + " challenges open; retry shortly");
        }
        open.put(Digests.hex(nonce), new Open(contractHash, now));
    }

    /** Takes the nonce for {@code contractHash}: it must have been issued for it, not used, and not expired. */
    synchronized void take(byte[] nonce, String contractHash, Instant now) throws BrokerRefusal {
        Open o = open.remove(Digests.hex(nonce));
        if (o == null) {
            throw new BrokerRefusal(BrokerRefusal.Reason.STALE_CHALLENGE, "the evidence answers no open challenge of this broker"
                    + " (unknown, already used, or swept after " + lifetime.toSeconds() + " s): ask for a new challenge");
        }
        if (!now.isBefore(o.issued().plus(lifetime))) {
            throw new BrokerRefusal(BrokerRefusal.Reason.STALE_CHALLENGE, "the broker's challenge is older than "
                    + lifetime.toSeconds() + " s: ask for a new challenge");
        }
        if (!o.contractHash().equals(contractHash)) {
            throw new BrokerRefusal(BrokerRefusal.Reason.STALE_CHALLENGE, "the challenge was issued for contract "
                    + o.contractHash() + ", not " + contractHash);
        }
    }

    private void sweep(Instant now) {
        for (Iterator<Map.Entry<String, Open>> i = open.entrySet().iterator(); i.hasNext(); ) {
            if (now.isBefore(i.next().getValue().issued().plus(lifetime))) {
                return;
            }
            i.remove();
        }
    }
}
