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
 * demo first) and without it ({@code VEIL_CDS=off}). Wall-clock and CPU seconds from process start to exit, in
 * alternating rounds.
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

        // Rounds alternate the four processes, so that a change in the machine's load falls on all of them alike; the
        // figures are medians over rounds. CPU seconds (user + system of the process and the children it reaped: the
        // demo's inference worker) move far less with contention than the wall clock does.
        List<Case> cases = List.of(
                new Case("plain ONNX Runtime process (PlainOrtProcess)", List.of(java, "-cp", benchJar, PlainOrtProcess.class.getName(),
                        model.toString(), data.toString(), dir.resolve("plain.npy").toString()), Map.of()),
                new Case("./veil demo --model --data --scores (CDS archive)", custom, Map.of()),
                new Case("./veil demo --model --data --scores (VEIL_CDS=off)", custom, Map.of("VEIL_CDS", "off")),
                new Case("./veil demo (digits, default; CDS archive)", digits, Map.of()));
        String loadBefore = loadAverage();
        for (int round = 0; round < reps; round++) {
            for (Case c : cases) {
                double cpu = ChildJvm.reapedChildrenCpuSeconds();
                c.wall.add(time(c.command, c.env, dir));
                c.cpu.add(ChildJvm.reapedChildrenCpuSeconds() - cpu);
            }
        }
        String loadAfter = loadAverage();
        report.section("Whole-process time (fixed costs), " + detImages + " images 3x640x640 on PaddleOCR det v4");
        report.table("process", "median wall s", "median CPU s", "wall ratio to plain ORT process", "CPU ratio");
        double plainWall = Report.median(cases.get(0).wall);
        double plainCpu = Report.median(cases.get(0).cpu);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            double wall = Report.median(c.wall);
            double cpu = Report.median(c.cpu);
            boolean comparable = i < 3;   // the digits demo runs another model on other data
            report.row(c.name, wall, cpu, comparable ? wall / plainWall : "-", comparable ? cpu / plainCpu : "-");
        }
        report.note("Medians of " + reps + " alternating rounds after one untimed training run; load average (1/5/15 min) "
                + loadBefore + " before, " + loadAfter + " after. Ratio = veil / plain (1.0 = no overhead; issue 11's target "
                + "<= 1.2 on the wall clock).");
    }

    /** One process to time, with what it took in each round. */
    private record Case(String name, List<String> command, Map<String, String> env, List<Double> wall, List<Double> cpu) {
        Case(String name, List<String> command, Map<String, String> env) {
            this(name, command, env, new ArrayList<>(), new ArrayList<>());
        }
    }

    /** The machine's load average (1, 5 and 15 minutes), which every whole-process figure is to be read with. */
    static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
        return f[0] + " / " + f[1] + " / " + f[2];
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
