package dev.veil.bench;

import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Latency of the ceremony itself, by step, with a tiny model and ten rows so inference does not dominate. */
final class CeremonyBench {
    private CeremonyBench() {
    }

    static void run(Report report, Path dir, int warmup, int runs) throws Exception {
        report.section("Ceremony latency by step (sim TEE, loopback, ML-KEM-768+X25519 key wrap, 10 rows)");
        Map<String, List<Double>> steps = new LinkedHashMap<>();
        List<Double> totals = new ArrayList<>();
        List<Double> coldTotal = new ArrayList<>();
        try (Parties parties = new Parties(dir.resolve("enclave-ceremony"), 256, 1)) {
            byte[] model = DigitsDemo.trainModel(5, 1);
            byte[] data = new String(DigitsDemo.evaluationCsv(1)).lines().limit(11)
                    .reduce("", (a, b) -> a + b + "\n").getBytes();
            for (int i = 0; i < warmup + runs; i++) {
                Parties.Assets a = parties.seal(model, data);
                boolean measure = i >= warmup;
                long t = System.nanoTime();
                parties.session(a, OutputPolicy.labels(), (role, step, nanos, detail) -> {
                    if (measure) {
                        synchronized (steps) {
                            steps.computeIfAbsent((role == Role.MODEL_PROVIDER ? "MP " : "DP ") + step, k -> new ArrayList<>()).add(nanos / 1e6);
                        }
                    }
                });
                double ms = (System.nanoTime() - t) / 1e6;
                if (i == 0) {
                    coldTotal.add(ms);
                }
                if (measure) {
                    totals.add(ms);
                }
            }
        }
        report.table("step", "median ms", "max ms");
        steps.forEach((k, v) -> report.row(k, Report.median(v), java.util.Collections.max(v)));
        report.row("whole ceremony, warm (wall clock)", Report.median(totals), java.util.Collections.max(totals));
        report.row("whole ceremony, first session in this JVM", coldTotal.get(0), coldTotal.get(0));
        report.note("The providers run concurrently (the model provider waits for its discard receipt while the data provider "
                + "works), so step times overlap and do not add up to the wall clock. Medians over " + runs + " sessions after "
                + warmup + " warm-up sessions.");
    }
}
