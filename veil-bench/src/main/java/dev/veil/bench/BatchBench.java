package dev.veil.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.provider.ProviderFlow;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Npy;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code ./bench batch}: issue 11's batch figures in one run, each against the plaintext pipeline ({@link PlainPipeline}:
 * the same files parsed and batched the same way by plain ONNX Runtime). (a) the OCR detector on 640x640 images and
 * (b) the digits model over a large CSV, confidential time being the whole session as the data provider sees it;
 * (c) the enclave process's peak RSS for a small and a large CSV, each in a fresh child JVM; (d) the whole-process time
 * of {@code ./veil demo --model --data} against a plain ONNX Runtime process on the same file. The last line printed is
 * one JSON object with every figure.
 */
final class BatchBench {
    /** Rows per call the enclave is configured with (the CLI's and the demo's default). */
    private static final int BATCH = 256;
    /** Pause after a confidential session: longer than a worker's start on this machine under load. */
    private static final long SETTLE_MS = 2000;

    /**
     * One confidential-vs-plaintext comparison; ratio = plaintext time / confidential time. CPU seconds are this JVM's
     * (both providers, the enclave, JIT and GC threads included): on a shared machine they show the work done where
     * wall time shows the share of the machine obtained.
     */
    record Comparison(String model, String data, long rows, double plainSeconds, double confidentialSeconds, double ratio,
                      double target, double plainCpuSeconds, double confidentialCpuSeconds, double cpuRatio,
                      Map<String, Double> dataProviderStepsSeconds) {
    }

    /**
     * The enclave process's resident memory: after start (ONNX Runtime loaded, no session) and its peak after one
     * session; and its inference worker's: before the model arrives (the worker in reserve: a JVM with ONNX Runtime
     * loaded) and its peak during the session (model, ONNX Runtime's session, the input buffer).
     */
    record PeakRss(long rows, double dataMib, double idleRssMib, double peakRssMib, double sessionSeconds,
                   double workerIdleRssMib, double workerPeakRssMib) {
    }

    /** Whole-process wall and CPU times: {@code veil demo} against a plain ONNX Runtime process on the same file. */
    record WholeProcess(String model, String data, double veilDemoSeconds, double plainProcessSeconds, double ratio, double target,
                        double veilDemoCpuSeconds, double plainProcessCpuSeconds, double cpuRatio) {
    }

    record Figures(String benchmark, boolean quick, int cores, int ortThreads, String loadAverageBefore, String loadAverageAfter,
                   int repetitions, Comparison ocrDetector, Comparison digits, List<PeakRss> enclavePeakRss, WholeProcess demo) {
    }

    private BatchBench() {
    }

    /** Runs every part, writes the Markdown, removes {@code dir}, and prints the JSON object as the last line. */
    static void run(Report report, Path dir, Path shared, boolean quick, int threads) throws Exception {
        String loadBefore = loadAverage();
        int reps = quick ? 1 : 5;
        int images = quick ? 2 : 8;
        long bigRows = quick ? 20_000 : 1_000_000;
        long smallRows = quick ? 1_000 : 10_000;
        report.section("Batch at any size (" + threads + " ONNX Runtime threads, batch " + BATCH + ", sim TEE)");
        report.note("Load average before: " + loadBefore + " on " + Runtime.getRuntime().availableProcessors() + " cores");

        byte[] det = Files.readAllBytes(shared.resolve("models").resolve("ocr-text-det.onnx"));
        Path detData = dir.resolve("det-" + images + ".npy");
        writeImages(detData, images);
        byte[] digits = DigitsDemo.trainModel(60, 7);
        Path bigCsv = dir.resolve("digits-" + bigRows + ".csv");
        Path smallCsv = dir.resolve("digits-" + smallRows + ".csv");
        DigitsCsv.write(bigCsv, bigRows);
        DigitsCsv.write(smallCsv, smallRows);

        Figures f;
        report.table("model", "data", "plaintext s", "confidential s", "ratio (plain/conf)", "target", "plaintext CPU s",
                "confidential CPU s", "CPU ratio");
        try (Parties parties = new Parties(dir.resolve("enclave"), BATCH, threads)) {
            Comparison ocr = compare(parties, dir, "PaddleOCR det v4", det, detData, images, images + " images 3x640x640 .npy",
                    OutputPolicy.scores(), 0.98, reps, threads);
            report.row(ocr.model(), ocr.data(), ocr.plainSeconds(), ocr.confidentialSeconds(), ocr.ratio(), ocr.target(),
                    ocr.plainCpuSeconds(), ocr.confidentialCpuSeconds(), ocr.cpuRatio());
            Comparison dig = compare(parties, dir, "digits softmax", digits, bigCsv, bigRows, bigRows + " rows CSV, labels",
                    OutputPolicy.labels(), 0.95, reps, threads);
            report.row(dig.model(), dig.data(), dig.plainSeconds(), dig.confidentialSeconds(), dig.ratio(), dig.target(),
                    dig.plainCpuSeconds(), dig.confidentialCpuSeconds(), dig.cpuRatio());
            report.note("Ratio = plaintext time / confidential time; medians of " + reps + " runs after one warm-up of each, "
                    + "alternating in one JVM. Data provider's steps in the median confidential run (s): OCR " + ocr.dataProviderStepsSeconds()
                    + "; digits " + dig.dataProviderStepsSeconds());

            report.table("rows", "CSV MiB", "enclave RSS after start MiB", "enclave peak RSS (VmHWM) MiB", "session s",
                    "worker RSS before the model MiB", "worker peak RSS MiB");
            List<PeakRss> rss = new ArrayList<>();
            for (long rows : List.of(smallRows, bigRows)) {
                PeakRss r = EnclaveRss.measure(parties, dir, digits, rows == smallRows ? smallCsv : bigCsv, rows, BATCH, threads);
                rss.add(r);
                report.row(r.rows(), r.dataMib(), r.idleRssMib(), r.peakRssMib(), r.sessionSeconds(), r.workerIdleRssMib(),
                        r.workerPeakRssMib());
            }
            report.note("Each size in its own enclave JVM (the heap settings `veil enclave` starts it with: " + String.join(" ", dev.veil.enclave.JvmHeap.OPTIONS) + "); one session each.");

            WholeProcess demo = WholeProcessTimes.measure(dir, det, detData, "PaddleOCR det v4", images + " images 3x640x640 .npy",
                    reps);
            report.table("model", "data", "veil demo s", "plain ORT process s", "ratio (demo/plain)", "target", "veil demo CPU s",
                    "plain process CPU s", "CPU ratio");
            report.row(demo.model(), demo.data(), demo.veilDemoSeconds(), demo.plainProcessSeconds(), demo.ratio(), demo.target(),
                    demo.veilDemoCpuSeconds(), demo.plainProcessCpuSeconds(), demo.cpuRatio());
            report.note("Whole-process wall time, process start to exit; medians of " + reps + " runs after one warm-up of each.");

            String loadAfter = loadAverage();
            report.note("Load average after: " + loadAfter);
            f = new Figures("batch", quick, Runtime.getRuntime().availableProcessors(), threads, loadBefore, loadAfter,
                    reps, ocr, dig, rss, demo);
        }
        report.write(Path.of("target", "bench", "results.md"));
        deleteTree(dir);
        System.out.println(new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).writeValueAsString(f));
    }

    private static Comparison compare(Parties parties, Path dir, String name, byte[] model, Path data, long rows, String label,
                                      OutputPolicy policy, double target, int reps, int threads) throws Exception {
        byte[] plaintext = Files.readAllBytes(data);
        List<Double> plain = new ArrayList<>();
        List<Double> conf = new ArrayList<>();
        List<Double> plainCpu = new ArrayList<>();
        List<Double> confCpu = new ArrayList<>();
        List<Map<String, Double>> steps = new ArrayList<>();
        for (int i = 0; i <= reps; i++) {
            System.gc();
            double cpu = cpuSeconds();
            long t = System.nanoTime();
            PlainPipeline.run(model, data, policy, BATCH, threads, dir.resolve("ort-scratch"), OutputStream.nullOutputStream());
            double p = (System.nanoTime() - t) / 1e9;
            double pc = cpuSeconds() - cpu;
            Parties.Assets a = parties.seal(model, plaintext);
            Map<String, Double> dpSteps = new LinkedHashMap<>();
            ProviderFlow.StepListener listener = (role, step, nanos, detail) -> {
                if (role == Role.DATA_PROVIDER) {
                    synchronized (dpSteps) {
                        dpSteps.put(step, round(nanos / 1e9));
                    }
                }
            };
            System.gc();
            cpu = cpuSeconds();
            t = System.nanoTime();
            parties.session(a, policy, listener);
            double c = (System.nanoTime() - t) / 1e9;
            double cc = cpuSeconds() - cpu;
            // The enclave starts the next session's worker once this one's has exited: let it finish starting before the
            // plaintext run is timed, as an enclave between sessions would.
            Thread.sleep(SETTLE_MS);
            a.modelKey().close();
            a.dataKey().close();
            System.out.printf("  %s run %d%s: plaintext %.2f s (CPU %.2f s), confidential %.2f s (CPU %.2f s) %s%n", name, i,
                    i == 0 ? " (warm-up)" : "", p, pc, c, cc, dpSteps);
            if (i > 0) {
                plain.add(p);
                conf.add(c);
                plainCpu.add(pc);
                confCpu.add(cc);
                steps.add(dpSteps);
            }
        }
        double mp = Report.median(plain);
        double mc = Report.median(conf);
        Map<String, Double> medianRunSteps = steps.get(conf.indexOf(nearest(conf, mc)));
        double mpc = Report.median(plainCpu);
        double mcc = Report.median(confCpu);
        return new Comparison(name, label, rows, round(mp), round(mc), round(mp / mc), target, round(mpc), round(mcc),
                round(mpc / mcc), medianRunSteps);
    }

    /**
     * CPU time of this JVM, every thread, plus its reaped children's: the enclave's inference workers are child
     * processes, each waited for when its session closes, so a session's window counts one worker's whole life.
     */
    private static double cpuSeconds() throws java.io.IOException {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9 + ChildJvm.reapedChildrenCpuSeconds();
    }

    private static double nearest(List<Double> xs, double m) {
        return xs.stream().min(Comparator.comparingDouble(x -> Math.abs(x - m))).orElseThrow();
    }

    /** Random pixels in [0, 1), as the inference benchmark uses: the detector's time does not depend on the picture. */
    static void writeImages(Path file, int images) throws Exception {
        float[] px = new float[images * 3 * 640 * 640];
        Random r = new Random(9);
        for (int i = 0; i < px.length; i++) {
            px[i] = r.nextFloat();
        }
        Files.write(file, Npy.writeFloat32(new FloatTensor(new long[] {images, 3, 640, 640}, px)));
    }

    static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
