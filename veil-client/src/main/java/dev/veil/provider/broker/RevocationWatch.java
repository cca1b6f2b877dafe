package dev.veil.provider.broker;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what the {@code revoked} file asks while no request reaches the broker: one daemon thread rereads it every
 * {@link #PERIOD} ({@link RevocationLedger#current}, which only compares the file's key, size and time while it is
 * unchanged) and so writes a new revocation into the signed records within that period. Without it a running broker read
 * the file only at its next request or its stop, and whoever can write the state volume removed the request in between,
 * unrecorded (RevocationAskedOfARunningBrokerAttackTest). Stopped by a latch, never by an interrupt: an interrupt during
 * a record's write would close the record's channel.
 */
final class RevocationWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RevocationWatch.class);
    static final Duration PERIOD = Duration.ofMillis(150);

    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;

    private RevocationWatch(RevocationLedger ledger) {
        thread = new Thread(() -> watch(ledger), "veil-revocation-watch");
        thread.setDaemon(true);
    }

    static RevocationWatch start(RevocationLedger ledger) {
        RevocationWatch w = new RevocationWatch(ledger);
        w.thread.start();
        return w;
    }

    private void watch(RevocationLedger ledger) {
        try {
            while (!stop.await(PERIOD.toMillis(), TimeUnit.MILLISECONDS)) {
                try {
                    ledger.current();   // logs its own failures to read or write, as for a request
                } catch (RuntimeException e) {
                    // a watch that died would leave revocations unrecorded until the next request: keep watching
                    LOG.error("rereading the revocation list failed ({}); retrying", e.getClass().getSimpleName());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Returns once the thread has stopped, so nothing writes into the records after the broker's last recording. */
    @Override
    public void close() {
        stop.countDown();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
