package dev.veil.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Child processes of the batch benchmark: JVMs on this benchmark's class path, and their memory as Linux reports it. */
final class ChildJvm {
    private ChildJvm() {
    }

    /** {@code java -cp <this class path> <main> args}, logging only errors, its stderr to {@code log}. */
    static ProcessBuilder java(Class<?> main, Path log, String... args) {
        List<String> cmd = new ArrayList<>(List.of(javaBinary().toString(), "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(log.toFile());
    }

    static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** A field of /proc/&lt;pid&gt;/status in MiB, e.g. VmRSS (now) or VmHWM (peak resident set). */
    static double statusMiB(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                String kb = line.substring(field.length() + 1).trim().split("\\s+")[0];
                return Long.parseLong(kb) / 1024.0;
            }
        }
        throw new IOException("/proc/" + pid + "/status has no " + field);
    }

    /**
     * CPU seconds (user + system) of this process's children that have exited and been waited for, from
     * /proc/self/stat (cutime, cstime; in USER_HZ ticks, 100 per second on Linux): a difference around one child's
     * run is that child's CPU time, its threads and its own reaped children included.
     */
    static double reapedChildrenCpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ", field 3 (state) is f[0]; cutime and cstime are fields 16 and 17
        return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
    }

    /** Waits for the process; a non-zero exit fails with the tail of its log. */
    static void requireExit(Process p, Path log, String what) throws Exception {
        int rc = p.waitFor();
        if (rc != 0) {
            List<String> lines = Files.readAllLines(log);
            throw new IllegalStateException(what + " exited with " + rc + ": "
                    + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
        }
    }
}
