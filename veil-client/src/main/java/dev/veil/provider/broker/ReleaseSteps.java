package dev.veil.provider.broker;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Where one release's time goes, step by step on the releasing thread (CPU time and wall time), added to the broker's
 * {@code /metrics}: an operator (and {@code ./bench broker}) sees what a release costs in appraisal, key wrapping, the
 * record and signing, and by difference with the process's CPU time, in HTTP and JSON.
 */
final class ReleaseSteps {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private final BrokerMetrics metrics;
    private long cpu;
    private long wall;

    ReleaseSteps(BrokerMetrics metrics) {
        this.metrics = metrics;
        cpu = cpuNow();
        wall = System.nanoTime();
    }

    /** Ends the step under way: the time since the previous one ended (or since the release began) is {@code step}'s. */
    void done(String step) {
        long c = cpuNow();
        long w = System.nanoTime();
        metrics.releaseStep(step, c - cpu, w - wall);
        cpu = c;
        wall = w;
    }

    private static long cpuNow() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
    }
}
