package dev.veil.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU seconds (user + system) of a process and everything below it, from Linux's /proc: each live process's own time
 * and the time of its children that exited and were waited for. A difference around a piece of work is that work's
 * CPU time across every JVM and worker it used (Spark executors, inference workers), which contention on a shared
 * machine inflates far less than the wall clock.
 */
final class ProcessTreeCpu {
    private ProcessTreeCpu() {
    }

    /** This process and its descendants. */
    static double seconds() {
        return seconds(ProcessHandle.current());
    }

    static double seconds(ProcessHandle root) {
        return own(root.pid()) + root.descendants().mapToDouble(p -> own(p.pid())).sum();
    }

    /** One process's own and reaped children's ticks (USER_HZ, 100 a second on Linux), or 0 when it is gone. */
    static double own(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ", f[0] is field 3 (state): utime, stime, cutime, cstime are fields 14 to 17
            return (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /** The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them. */
    static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return new double[] {-1, -1, -1};
        }
    }
}
