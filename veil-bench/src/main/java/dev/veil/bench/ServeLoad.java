package dev.veil.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed loop of concurrent clients: each sends one request, waits for its answer and sends the next, until the
 * time is up. Every answer's latency is kept (as the client saw it, from before sealing to after opening and checking).
 */
final class ServeLoad {
    /** One client's request and the checks of its answer; throws when the request failed. */
    @FunctionalInterface
    interface Call {
        void call() throws Exception;
    }

    /** What a run of the loop did: answers, failures (with the first failure's class and message), latencies. */
    record Outcome(long answered, long failed, String firstFailure, double seconds, long[] latencyNanos) {
        double perSecond() {
            return answered / seconds;
        }

        double percentileMs(double p) {
            if (latencyNanos.length == 0) {
                return Double.NaN;
            }
            long[] s = latencyNanos.clone();
            Arrays.sort(s);
            int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
            return s[Math.max(0, Math.min(s.length - 1, i))] / 1e6;
        }

        /** This outcome and {@code other} as one run (their answers, failures and times added). */
        Outcome plus(Outcome other) {
            long[] l = Arrays.copyOf(latencyNanos, latencyNanos.length + other.latencyNanos.length);
            System.arraycopy(other.latencyNanos, 0, l, latencyNanos.length, other.latencyNanos.length);
            return new Outcome(answered + other.answered, failed + other.failed, firstFailure != null ? firstFailure : other.firstFailure,
                    seconds + other.seconds, l);
        }

        static Outcome none() {
            return new Outcome(0, 0, null, 0, new long[0]);
        }
    }

    private ServeLoad() {
    }

    /** One client's latencies, in the order answered. */
    private static final class Latencies {
        private long[] nanos = new long[1024];
        private int count;

        void add(long n) {
            if (count == nanos.length) {
                nanos = Arrays.copyOf(nanos, 2 * count);
            }
            nanos[count++] = n;
        }

        long[] toArray() {
            return Arrays.copyOf(nanos, count);
        }
    }

    /** {@code clients} threads call {@code call} in a loop for {@code length}; a request under way at the end is counted. */
    static Outcome run(int clients, Duration length, Call call) throws InterruptedException {
        return run(clients, length, Integer.MAX_VALUE, call);
    }

    /**
     * Each of {@code clients} threads sends {@code requestsEach} requests, one after the other: the run ends with the
     * last answer. Under a coalescer that runs every client's request in one batch this counts whole batches, where
     * a run of fixed length would cut one.
     */
    static Outcome run(int clients, int requestsEach, Call call) throws InterruptedException {
        return run(clients, Duration.ofDays(1), requestsEach, call);
    }

    private static Outcome run(int clients, Duration length, int requestsEach, Call call) throws InterruptedException {
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        List<Latencies> latencies = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + length.toNanos();
        for (int c = 0; c < clients; c++) {
            Latencies mine = new Latencies();
            latencies.add(mine);
            Thread t = new Thread(() -> {
                for (int i = 0; i < requestsEach && System.nanoTime() < end; i++) {
                    long t0 = System.nanoTime();
                    try {
                        call.call();
                        mine.add(System.nanoTime() - t0);
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                }
            }, "bench-client-" + c);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] all = latencies.stream().flatMapToLong(l -> Arrays.stream(l.toArray())).toArray();
        return new Outcome(all.length, failed.get(), firstFailure.get(), seconds, all);
    }
}
