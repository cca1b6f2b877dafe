package dev.veil.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ./bench [all|seal|inference|attest|ceremony] [--quick]}: runs the benchmarks and writes Markdown tables to
 * target/bench/results.md for docs/BENCHMARKS.md. --quick uses small sizes (a smoke test, not a measurement).
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        boolean quick = a.contains("--quick");
        String which = a.stream().filter(s -> !s.startsWith("--")).findFirst().orElse("all");
        Path shared = Path.of(System.getProperty("veil.shared.dir", "../shared"));
        Path base = Path.of(System.getProperty("veil.bench.dir", "target")).toAbsolutePath();
        Files.createDirectories(base);
        Path dir = Files.createTempDirectory(base, "bench-");
        Report report = new Report();
        report.note(machine());
        int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
        if (which.equals("batch")) { BatchBench.run(report, dir, shared, quick, threads); return; }   // ends with its JSON line
        if (which.equals("all") || which.equals("seal")) {
            SealBench.run(report, dir, quick ? 64 : 1024, quick ? 2 : 6);
            SealBench.heapVsSize(report, dir, quick ? 16 : 128, quick ? 64 : 1024);
        }
        if (which.equals("all") || which.equals("inference")) {
            InferenceBench.run(report, dir, shared, quick ? 10 : 300, quick ? 2 : 8, quick ? 1 : 3, threads);
        }
        if (which.equals("all") || which.equals("attest")) {
            AttestBench.run(report, shared, quick ? 20 : 300, quick ? 20 : 300);
        }
        if (which.equals("all") || which.equals("ceremony")) {
            CeremonyBench.run(report, dir, quick ? 3 : 10, quick ? 5 : 30);
        }
        report.write(Path.of("target", "bench", "results.md"));
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (Exception ignored) {
            // not Linux: leave it unknown
        }
        return "Machine: " + cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                + (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() / (1L << 30) + " GiB RAM, " : "")
                + "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")";
    }
}
