package dev.veil.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./bench [BENCHMARK] [--quick]}: runs the benchmarks and writes Markdown tables to target/bench/results.md
 * for docs/BENCHMARKS.md. --quick uses small sizes (a smoke test, not a measurement). {@code --help} lists the
 * benchmarks; an unknown name exits 2 before anything runs.
 */
public final class Bench {
    private Bench() {
    }

    /** Every benchmark by name, in the order {@code all} runs them. */
    private static final Map<String, String> BENCHMARKS = benchmarks();
    private static final String USAGE = """
            Usage: ./bench [BENCHMARK] [--quick] [--soak DURATION] [--rows N] [--model M]
            Runs Veil's benchmarks (not part of the test suite) and writes Markdown tables to target/bench/results.md;
            docs/BENCHMARKS.md records them with the machine they ran on.

            BENCHMARK (default all):
            %s
              --quick     small sizes: a smoke test of the harness, not a measurement
              --soak D    serve only: also run the confidential load for D (e.g. 10m, 90s) and report heap and failures
              --rows N    spark only: the rows of the dataset (default by model: digits 1,000,000, --quick 20,000; ocr 1,000,
                          --quick 200; minilm 400, --quick 48)
              --model M   spark only: digits (default: microseconds a row, the worst case for the ratio), ocr (a small CNN on
                          3x48x192 crops) or minilm (a sentence transformer on 128 tokens)
              -h, --help  print this help and exit""";

    private static Map<String, String> benchmarks() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("all", "every benchmark below but serve, batch, spark and broker, in this order (over 4 minutes; 1 GiB temporary files under target/)");
        m.put("seal", "sealing and unsealing a 1 GiB file, cold and warm; peak heap against file size");
        m.put("inference", "confidential vs plaintext batch inference (digits model, PaddleOCR detector)");
        m.put("attest", "evidence verification per platform (SNP, TDX, SGX, Nitro), cold and warm");
        m.put("ceremony", "ceremony latency by step on the simulated TEE");
        m.put("startup", "whole-process './veil demo' against a plain ONNX Runtime process (fixed costs)");
        m.put("parse", "CSV parsing throughput on 1,000,000 rows: the old whole-line reader against the streaming byte parser");
        m.put("serve", "issue 8's serving figures: confidential vs plaintext MiniLM serving at 16 clients, 1,000 idle connections, "
                + "--soak; its last line is one JSON object");
        m.put("batch", "issue 11's figures: streamed confidential pipeline against the same pipeline on plaintext, enclave peak "
                + "RSS for 10,000 and 1,000,000 rows, whole-process demo against plain ONNX Runtime; its last line is one JSON object");
        m.put("spark", "issue 9's Spark figures: confidential 'veil batch' job against the same job on plaintext Parquet, one and two "
                + "executors (local-cluster), 1,000,000 digits rows by default (several minutes; --model ocr or minilm: a real model); its last "
                + "line is one JSON object");
        m.put("broker", "issue 9's key-broker figures: releases per second of a 'veil broker' process on one core, its CPU time per "
                + "release by step; its last line is one JSON object");
        return m;
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        if (a.contains("--help") || a.contains("-h")) {
            System.out.println(usage());
            return;
        }
        ServeOptions serve;
        try {
            serve = ServeOptions.parse(a);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<String> rest = new java.util.ArrayList<>(serve.rest());
        Long sparkRows = null;
        int rowsAt = rest.indexOf("--rows");
        if (rowsAt >= 0) {
            if (rowsAt + 1 >= rest.size() || !rest.get(rowsAt + 1).matches("[1-9][0-9]{3,8}")) {
                System.err.println("bench: --rows needs a number of rows from 1000 to 999999999 (./bench spark --rows 200000)");
                System.exit(2);
            }
            sparkRows = Long.parseLong(rest.get(rowsAt + 1));
            rest.subList(rowsAt, rowsAt + 2).clear();
        }
        String sparkModelId = null;
        int modelAt = rest.indexOf("--model");
        if (modelAt >= 0) {
            if (modelAt + 1 >= rest.size() || SparkModels.byId(rest.get(modelAt + 1)) == null) {
                System.err.println("bench: --model needs one of digits, ocr, minilm (./bench spark --model ocr)");
                System.exit(2);
            }
            sparkModelId = rest.get(modelAt + 1);
            rest.subList(modelAt, modelAt + 2).clear();
        }
        List<String> names = rest.stream().filter(s -> !s.equals("--quick")).toList();
        String wrong = names.size() > 1 ? "one benchmark at a time, not '" + String.join(" ", names) + "'"
                : names.stream().filter(n -> !BENCHMARKS.containsKey(n)).map(n -> "unknown benchmark or option '" + n + "'")
                .findFirst().orElse(null);
        if (wrong != null) {
            System.err.println("bench: " + wrong + "; choose one of " + String.join(", ", BENCHMARKS.keySet()) + " (./bench --help)");
            System.exit(2);
        }
        boolean quick = a.contains("--quick");
        String which = names.isEmpty() ? "all" : names.get(0);
        if (sparkRows != null && !which.equals("spark")) {
            System.err.println("bench: --rows is an option of the spark benchmark only (./bench spark --rows 200000)");
            System.exit(2);
        }
        if (sparkModelId != null && !which.equals("spark")) {
            System.err.println("bench: --model is an option of the spark benchmark only (./bench spark --model ocr)");
            System.exit(2);
        }
        if (serve.soak() != null && !which.equals("serve")) {
            System.err.println("bench: --soak is an option of the serve benchmark only (./bench serve --soak 10m)");
            System.exit(2);
        }
        Path shared = Path.of(System.getProperty("veil.shared.dir", "../shared"));
        Path base = Path.of(System.getProperty("veil.bench.dir", "target")).toAbsolutePath();
        Files.createDirectories(base);
        Path dir = Files.createTempDirectory(base, "bench-");
        Report report = new Report();
        report.note(machine());
        int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
        if (which.equals("serve")) { ServeBench.run(report, dir, shared, quick, serve.soak(), serve.soakText()); return; }   // ends with its JSON line
        if (which.equals("batch")) { BatchBench.run(report, dir, shared, quick, threads); return; }   // ends with its JSON line
        if (which.equals("spark")) { SparkBench.run(report, dir, quick, sparkRows,
                sparkModelId == null ? SparkModels.DIGITS : SparkModels.byId(sparkModelId)); deleteTree(dir); return; }   // the child ends with its JSON line
        if (which.equals("broker")) { BrokerBench.run(report, dir, quick); deleteTree(dir); return; }   // ends with its JSON line
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
        if (which.equals("all") || which.equals("parse")) {
            CsvParseBench.run(report, dir, quick ? 50_000 : 1_000_000, quick ? 1 : 3);
        }
        if (which.equals("all") || which.equals("startup")) {
            StartupBench.run(report, dir, shared, quick ? 1 : 8, quick ? 1 : 3);
        }
        report.write(Path.of("target", "bench", "results.md"));
        deleteTree(dir);
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String usage() {
        StringBuilder list = new StringBuilder();
        BENCHMARKS.forEach((name, what) -> list.append(String.format("  %-10s  %s%n", name, what)));
        return USAGE.formatted(list.toString().stripTrailing());
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
