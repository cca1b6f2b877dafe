package dev.veil.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where a broker process's CPU goes, by kind of thread, from Linux's /proc/PID/task/TID/stat (user and system ticks,
 * USER_HZ): the broker's request threads (Jetty's pool, {@code veil-broker-N}: accepting, reading, parsing, the work of
 * each request and writing its answer, all on one thread), the JIT compilers, the garbage collector and VM operations,
 * and the rest. A difference around the measured releases tells what the broker's own step counters
 * (request threads only) cannot: how much is compilation still under way, collection, or the kernel.
 */
final class BrokerThreadCpu {
    static final String[] GROUPS = {"requests_user", "requests_system", "jit", "gc_and_vm", "other"};

    private BrokerThreadCpu() {
    }

    /** CPU seconds so far of each group's live threads. */
    static Map<String, Double> read(long pid) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String g : GROUPS) {
            m.put(g, 0.0);
        }
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks.forEach(t -> add(m, t.resolve("stat")));
        } catch (IOException | RuntimeException gone) {
            // the process ended: nothing to add
        }
        return m;
    }

    private static void add(Map<String, Double> m, Path stat) {
        String s;
        try {
            s = Files.readString(stat);
        } catch (IOException gone) {
            return;
        }
        String comm = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        double user = Long.parseLong(f[11]) / 100.0;
        double system = Long.parseLong(f[12]) / 100.0;
        if (comm.matches("veil-broker-[0-9]+")) {
            m.merge("requests_user", user, Double::sum);
            m.merge("requests_system", system, Double::sum);
            return;
        }
        String group = comm.contains("CompilerThre") ? "jit"
                : comm.startsWith("GC ") || comm.startsWith("G1 ") || comm.equals("VM Thread") ? "gc_and_vm"
                : "other";
        m.merge(group, user + system, Double::sum);
    }

    /** {@code after} minus {@code before}, group by group. */
    static Map<String, Double> difference(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> d = new LinkedHashMap<>();
        for (String g : GROUPS) {
            d.put(g, after.getOrDefault(g, 0.0) - before.getOrDefault(g, 0.0));
        }
        return d;
    }
}
