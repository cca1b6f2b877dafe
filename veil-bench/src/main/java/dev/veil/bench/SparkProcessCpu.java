package dev.veil.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Spark benchmark's CPU seconds by kind of process, from Linux's /proc: this JVM (the driver, local-cluster's master
 * and workers, both providers' brokers), the executor JVMs, and the executors' child processes: the inference workers
 * (live ones, and those that exited and were reaped by their executor) and Hadoop's shell commands (its local file
 * system runs {@code chmod} for every directory and file a task writes, about 22 a job, confidential or plaintext alike).
 * A difference around a job says where the job's CPU went; the kinds add up to {@link ProcessTreeCpu#seconds()} but for
 * processes of no kind ("other"). {@link #LIVE_WORKERS}, not a kind, is the part of the children's CPU that live
 * inference workers spent: it tells a worker started ahead of need apart from the plaintext job's own commands.
 */
final class SparkProcessCpu {
    static final String DRIVER = "driver+brokers";
    static final String EXECUTORS = "executors";
    static final String WORKERS = "inference workers and executors' other children";
    /** Within {@link #WORKERS}: the inference worker processes still running (not reaped), by their own counters. */
    static final String LIVE_WORKERS = "live inference workers";
    static final String OTHER = "other";
    static final String[] KINDS = {DRIVER, EXECUTORS, WORKERS, OTHER};

    private SparkProcessCpu() {
    }

    /** CPU seconds so far, by kind. */
    static Map<String, Double> snapshot() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String k : KINDS) {
            m.put(k, 0.0);
        }
        m.put(LIVE_WORKERS, 0.0);
        ProcessHandle self = ProcessHandle.current();
        m.merge(DRIVER, ticks(self.pid())[0], Double::sum);   // its reaped children are past sessions' executors
        self.descendants().forEach(p -> {
            double[] t = ticks(p.pid());
            String cmd = commandLine(p.pid());
            if (cmd.contains("InferenceWorkerMain")) {
                m.merge(WORKERS, t[0] + t[1], Double::sum);
                m.merge(LIVE_WORKERS, t[0] + t[1], Double::sum);
            } else if (cmd.contains("CoarseGrainedExecutorBackend")) {
                m.merge(EXECUTORS, t[0], Double::sum);
                m.merge(WORKERS, t[1], Double::sum);   // its reaped children: inference workers, Hadoop's chmod
            } else {
                m.merge(OTHER, t[0] + t[1], Double::sum);
            }
        });
        return m;
    }

    /** {@code after - before}, kind by kind. */
    static Map<String, Double> minus(Map<String, Double> after, Map<String, Double> before) {
        Map<String, Double> m = new LinkedHashMap<>();
        after.forEach((k, v) -> m.put(k, v - before.getOrDefault(k, 0.0)));
        return m;
    }

    /** A process's own ticks (user + system) and its reaped children's, in seconds; zeros when it is gone. */
    private static double[] ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ", f[0] is field 3 (state): utime, stime, cutime, cstime are fields 14 to 17
            return new double[] {(Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0,
                    (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0};
        } catch (IOException | RuntimeException gone) {
            return new double[] {0, 0};
        }
    }

    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException gone) {
            return "";
        }
    }
}
