package dev.veil.enclave;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts the connections being served, in total and per source address, so that one peer holding connections open
 * cannot take every slot: a connection over either limit is closed at once. A slot is held only while its peer makes
 * progress: the connection is closed when a message misses its deadline, a read or write its idle timeout, an upload
 * its minimum rate, or when the session it serves ends (session.ProviderConnection).
 */
final class ConnectionLimiter {
    private final int maxTotal;
    private final int maxPerSource;
    private final Map<InetAddress, Integer> perSource = new HashMap<>();
    private int total;

    ConnectionLimiter(int maxTotal, int maxPerSource) {
        this.maxTotal = maxTotal;
        this.maxPerSource = maxPerSource;
    }

    /** Takes a slot for {@code source}, or answers false when either limit is reached. */
    synchronized boolean tryAcquire(InetAddress source) {
        int mine = perSource.getOrDefault(source, 0);
        if (total >= maxTotal || mine >= maxPerSource) {
            return false;
        }
        perSource.put(source, mine + 1);
        total++;
        return true;
    }

    synchronized void release(InetAddress source) {
        int mine = perSource.getOrDefault(source, 0);
        if (mine <= 1) {
            perSource.remove(source);
        } else {
            perSource.put(source, mine - 1);
        }
        total--;
    }
}
