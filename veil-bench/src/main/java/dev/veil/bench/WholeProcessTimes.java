package dev.veil.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole-process wall time, start to exit, of {@code ./veil demo --model --data --out --scores} against a plain ONNX
 * Runtime process ({@link PlainProcess}) on the same files: what a user waits for either way. The warm-up run is a
 * user's first run: it trains the CLI's class-data-sharing archive and records the sim measurement's jars (both kept
 * per installation), which the timed runs then use, as a user's later runs do.
 */
final class WholeProcessTimes {
    /** What ./veil says on stderr before it builds the CLI (then the run times Maven, not Veil). */
    private static final String REBUILD = "veil: building the CLI";

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
        Path log = dir.resolve("veil-demo.log");
        Path plainLog = dir.resolve("plain-process.log");
        List<Double> demo = new ArrayList<>();
        List<Double> plain = new ArrayList<>();
        List<Double> demoCpu = new ArrayList<>();
        List<Double> plainCpu = new ArrayList<>();
        String loadBefore = StartupBench.loadAverage();
        for (int i = 0; i <= reps; i++) {
            ProcessBuilder d = new ProcessBuilder(veil.toString(), "demo", "--model", modelFile.toString(), "--data", data.toString(),
                    "--out", dir.resolve("demo-out.npy").toString(), "--force", "--scores", "--work", dir.resolve("demo-work").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            d.environment().put("JAVA_HOME", System.getProperty("java.home"));
            double cpu = ChildJvm.reapedChildrenCpuSeconds();
            double ds = time(d, log, "veil demo");
            double dc = ChildJvm.reapedChildrenCpuSeconds() - cpu;
            if (i > 0 && Files.readString(log).contains(REBUILD)) {
                throw new IllegalStateException("./veil rebuilt the CLI in a timed run: its staleness check finds sources newer than "
                        + "veil-cli/target/veil-cli.jar, which a build that changes nothing in veil-cli does not rewrite; "
                        + "rebuild veil-cli after changing its sources, or touch the jar, and run again");
            }
            ProcessBuilder p = ChildJvm.java(PlainProcess.class, plainLog, modelFile.toString(), data.toString(),
                    dir.resolve("plain-out.npy").toString(), "scores").redirectOutput(plainLog.toFile());
            cpu = ChildJvm.reapedChildrenCpuSeconds();
            double ps = time(p, plainLog, "the plain ONNX Runtime process");
            double pc = ChildJvm.reapedChildrenCpuSeconds() - cpu;
            System.out.printf("  whole process run %d%s: veil demo %.2f s (CPU %.2f s), plain ORT process %.2f s (CPU %.2f s)%n", i,
                    i == 0 ? " (warm-up)" : "", ds, dc, ps, pc);
            if (i > 0) {
                demo.add(ds);
                plain.add(ps);
                demoCpu.add(dc);
                plainCpu.add(pc);
            }
        }
        System.out.println("  whole process: load average (1/5/15 min) " + loadBefore + " before, " + StartupBench.loadAverage() + " after");
        // the demo's own account of its steps in the last run: where its time goes
        Files.readAllLines(log).stream().filter(l -> l.startsWith("  [") || l.startsWith("--") || l.startsWith("total"))
                .forEach(l -> System.out.println("    demo: " + l.strip()));
        double md = Report.median(demo);
        double mp = Report.median(plain);
        double mdc = Report.median(demoCpu);
        double mpc = Report.median(plainCpu);
        return new BatchBench.WholeProcess(modelName, dataLabel, BatchBench.round(md), BatchBench.round(mp), BatchBench.round(md / mp), 1.2,
                BatchBench.round(mdc), BatchBench.round(mpc), BatchBench.round(mdc / mpc));
    }

    private static double time(ProcessBuilder pb, Path log, String what) throws Exception {
        long t = System.nanoTime();
        Process p = pb.start();
        ChildJvm.requireExit(p, log, what);
        return (System.nanoTime() - t) / 1e9;
    }
}
