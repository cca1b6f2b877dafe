package dev.veil.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Evidence verification time per platform on one thread: cold (the first verification in a fresh JVM, class loading
 * and interpreted code included) and warm (median of many after warm-up). Collateral is supplied as bytes, as from a
 * local cache; no network.
 */
final class AttestBench {
    private AttestBench() {
    }

    static void run(Report report, Path shared, int warmup, int runs) throws Exception {
        report.section("Attestation verification per platform (one thread; collateral from local files)");
        report.table("evidence", "cold ms (fresh JVM)", "warm median ms", "warm p95 ms");
        List<AttestCase> cases = AttestCase.all(shared);
        for (int i = 0; i < cases.size(); i++) {
            AttestCase c = cases.get(i);
            double cold = cold(shared, i);
            for (int w = 0; w < warmup; w++) {
                c.verifyNanos();
            }
            List<Double> ms = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                ms.add(c.verifyNanos() / 1e6);
            }
            ms.sort(null);
            report.row(c.name(), cold, Report.median(ms), ms.get((int) (ms.size() * 0.95)));
        }
        report.note("Warm: median of " + runs + " verifications after " + warmup + " warm-up ones. Target: <= 5 ms warm.");
    }

    private static double cold(Path shared, int index) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), AttestOnce.class.getName(),
                shared.toString(), Integer.toString(index)).redirectErrorStream(true).start();
        String last = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = r.readLine()) != null) {
                last = line;
            }
        }
        if (p.waitFor() != 0 || last == null) {
            throw new IllegalStateException("cold verification failed: " + last);
        }
        return Double.parseDouble(last.trim());
    }
}
