package dev.veil.bench;

import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Whole processes, as a user starts them: {@code ./veil demo --model … --data …} on the PaddleOCR detector and 8
 * images against a plain ONNX Runtime process on the same files ({@link PlainOrtProcess}), and the default
 * {@code ./veil demo}. Each veil case runs with the launcher's class-data-sharing archive (trained by one untimed
 * demo first) and without it ({@code VEIL_CDS=off}). Wall-clock seconds from process start to exit.
 */
final class StartupBench {
    private StartupBench() {
    }

    static void run(Report report, Path dir, Path sharedDir, int detImages, int reps) throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        Path veil = repo.resolve("veil");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String benchJar = Path.of(PlainOrtProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Path model = sharedDir.resolve("models").resolve("ocr-text-det.onnx");
        Path data = dir.resolve("det.npy");
        float[] px = new float[detImages * 3 * 640 * 640];
        Random r = new Random(9);
        for (int i = 0; i < px.length; i++) {
            px[i] = r.nextFloat();
        }
        Files.write(data, Npy.writeFloat32(new FloatTensor(new long[] {detImages, 3, 640, 640}, px)));
        Path out = dir.resolve("scores.npy");
        List<String> custom = List.of(veil.toString(), "demo", "--model", model.toString(), "--data", data.toString(),
                "--out", out.toString(), "--force", "--scores", "--work", dir.resolve("work").toString());
        List<String> digits = List.of(veil.toString(), "demo", "--work", dir.resolve("work").toString());

        // untimed: a build if the sources changed, then the run that trains the class-data-sharing archive
        time(List.of(veil.toString(), "--version"), Map.of(), dir);
        time(custom, Map.of(), dir);

        report.section("Whole-process time (fixed costs), " + detImages + " images 3x640x640 on PaddleOCR det v4");
        report.table("process", "median wall s", "ratio to plain ORT process");
        double plain = median(reps, List.of(java, "-cp", benchJar, PlainOrtProcess.class.getName(), model.toString(),
                data.toString(), dir.resolve("plain.npy").toString()), Map.of(), dir);
        report.row("plain ONNX Runtime process (PlainOrtProcess)", plain, 1.0);
        double cds = median(reps, custom, Map.of(), dir);
        report.row("./veil demo --model --data --scores (CDS archive)", cds, cds / plain);
        double noCds = median(reps, custom, Map.of("VEIL_CDS", "off"), dir);
        report.row("./veil demo --model --data --scores (VEIL_CDS=off)", noCds, noCds / plain);
        report.row("./veil demo (digits, default; CDS archive)", median(reps, digits, Map.of(), dir), "-");
        report.note("Median of " + reps + " runs each after one untimed training run. Ratio = veil / plain "
                + "(1.0 = no overhead; issue 11's target <= 1.2).");
    }

    private static double median(int reps, List<String> command, Map<String, String> env, Path dir) throws Exception {
        List<Double> s = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            s.add(time(command, env, dir));
        }
        return Report.median(s);
    }

    private static double time(List<String> command, Map<String, String> env, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("process.log").toFile());
        pb.environment().putAll(env);
        long t = System.nanoTime();
        int code = pb.start().waitFor();
        double s = (System.nanoTime() - t) / 1e9;
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + code + "; see " + dir.resolve("process.log")
                    );
        }
        return s;
    }
}
