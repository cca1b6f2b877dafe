package dev.veil.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole-process wall time, start to exit, of {@code ./veil demo --model --data --out --scores} against a plain ONNX
 * Runtime process ({@link PlainProcess}) on the same files: what a user waits for either way.
 */
final class WholeProcessTimes {
    private WholeProcessTimes() {
    }

    static BatchBench.WholeProcess measure(Path dir, byte[] model, Path data, String modelName, String dataLabel, int reps)
            throws Exception {
        Path veil = Path.of("veil").toAbsolutePath();
        if (!Files.isExecutable(veil)) {
            throw new IllegalStateException("run from the repository's root (./bench does): " + veil + " is not there");
        }
        Path modelFile = dir.resolve("demo-model.onnx");
        Files.write(modelFile, model);
        Path log = dir.resolve("whole-process.log");
        List<Double> demo = new ArrayList<>();
        List<Double> plain = new ArrayList<>();
        for (int i = 0; i <= reps; i++) {
            ProcessBuilder d = new ProcessBuilder(veil.toString(), "demo", "--model", modelFile.toString(), "--data", data.toString(),
                    "--out", dir.resolve("demo-out.npy").toString(), "--force", "--scores", "--work", dir.resolve("demo-work").toString())
                    .redirectOutput(log.toFile()).redirectError(log.toFile());
            d.environment().put("JAVA_HOME", System.getProperty("java.home"));
            double ds = time(d, log, "veil demo");
            ProcessBuilder p = ChildJvm.java(PlainProcess.class, log, modelFile.toString(), data.toString(),
                    dir.resolve("plain-out.npy").toString(), "scores").redirectOutput(log.toFile());
            double ps = time(p, log, "the plain ONNX Runtime process");
            System.out.printf("  whole process run %d%s: veil demo %.2f s, plain ORT process %.2f s%n", i, i == 0 ? " (warm-up)" : "", ds, ps);
            if (i > 0) {
                demo.add(ds);
                plain.add(ps);
            }
        }
        double md = Report.median(demo);
        double mp = Report.median(plain);
        return new BatchBench.WholeProcess(modelName, dataLabel, BatchBench.round(md), BatchBench.round(mp), BatchBench.round(md / mp), 1.2);
    }

    private static double time(ProcessBuilder pb, Path log, String what) throws Exception {
        long t = System.nanoTime();
        Process p = pb.start();
        ChildJvm.requireExit(p, log, what);
        return (System.nanoTime() - t) / 1e9;
    }
}
