package dev.veil.bench;

import dev.veil.cli.demo.DigitsDemo;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Where the CPU of {@code ./bench batch}'s two comparisons goes, by thread and by the data provider's step, on a shared
 * machine where wall times are noise: the same runs as {@link BatchBench} (the plaintext pipeline, then a whole
 * confidential session, alternating in one JVM after one warm-up of each), with every thread's CPU time read from
 * {@code /proc/<pid>/task/<tid>/stat} of this JVM and of its child processes (the inference workers). Threads are
 * polled every {@link #POLL_MS} ms, so that short-lived ones are caught, and at the end of each of the data provider's
 * steps, so that a thread's CPU is split by step. Figures are medians over the repetitions; the ticks are 10 ms.
 *
 * <p>{@code java -cp veil-bench.jar dev.veil.bench.BatchProbe SHARED_DIR WORK_DIR REPS [digits|ocr|both]}.
 */
final class BatchProbe {
    private static final double TICKS_PER_SECOND = 100;
    private static final long POLL_MS = 50;
    /** Runs of each side before the measured ones: the JIT of the enclave's JVM keeps compiling for a few sessions. */
    private static final int WARM_UPS = 2;
    /** The probe's own thread, left out of the figures. */
    private static final String POLLER = "probe-poller";
    /** Marks a thread's system time, counted apart from its total. */
    private static final String SYS = " (sys)";

    private BatchProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path shared = Path.of(args[0]);
        Path dir = Path.of(args[1]);
        int reps = Integer.parseInt(args[2]);
        String which = args.length > 3 ? args[3] : "both";
        Files.createDirectories(dir);
        int threads = 2;
        try (Parties parties = new Parties(dir.resolve("enclave"), 256, threads)) {
            if (!which.equals("digits")) {
                byte[] det = Files.readAllBytes(shared.resolve("models").resolve("ocr-text-det.onnx"));
                Path npy = dir.resolve("det-8.npy");
                if (!Files.exists(npy)) {
                    BatchBench.writeImages(npy, 8);
                }
                probe(parties, dir, "ocr", det, npy, OutputPolicy.scores(), reps, threads);
            }
            if (!which.equals("ocr")) {
                byte[] digits = DigitsDemo.trainModel(60, 7);
                Path csv = dir.resolve("digits-1000000.csv");
                if (!Files.exists(csv)) {
                    DigitsCsv.write(csv, 1_000_000);
                }
                probe(parties, dir, "digits", digits, csv, OutputPolicy.labels(), reps, threads);
            }
        }
    }

    private static void probe(Parties parties, Path dir, String name, byte[] model, Path data, OutputPolicy policy, int reps,
                              int threads) throws Exception {
        byte[] plaintext = Files.readAllBytes(data);
        List<Window> plain = new ArrayList<>();
        List<Window> conf = new ArrayList<>();
        for (int i = 0; i < WARM_UPS + reps; i++) {
            System.gc();
            Window p = new Window();
            PlainPipeline.run(model, data, policy, 256, threads, dir.resolve("ort-scratch"), OutputStream.nullOutputStream());
            p.close();
            Parties.Assets a = parties.seal(model, plaintext);
            System.gc();
            Window c = new Window();
            parties.session(a, policy, (role, step, nanos, detail) -> {
                if (role == Role.DATA_PROVIDER) {
                    c.mark(step, nanos / 1e9);
                }
            });
            c.close();
            Thread.sleep(2000);   // the next worker starts, as BatchBench lets it
            a.modelKey().close();
            a.dataKey().close();
            System.out.printf("%s run %d: plain %.3f s wall, %.2f s CPU; confidential %.3f s wall, %.2f s CPU %s%n", name, i,
                    p.wall, p.cpu(), c.wall, c.cpu(), c.stepSeconds);
            if (i >= WARM_UPS) {
                plain.add(p);
                conf.add(c);
            }
        }
        report(name + " plaintext", plain);
        report(name + " confidential", conf);
    }

    private static void report(String title, List<Window> ws) {
        System.out.printf("%n== %s: medians of %d (s) ==%n", title, ws.size());
        System.out.printf("wall %.3f; CPU %.3f = this JVM %.3f (user %.3f, sys %.3f) + reaped children %.3f; the probe's own %.3f%n",
                median(ws, w -> w.wall), median(ws, Window::cpu), median(ws, w -> w.selfUser + w.selfSys - w.probe()),
                median(ws, w -> w.selfUser), median(ws, w -> w.selfSys), median(ws, w -> w.childCpu), median(ws, Window::probe));
        List<String> intervals = ws.get(0).intervals();
        if (intervals.size() > 1) {
            Map<String, Double> wall = new LinkedHashMap<>();
            intervals.forEach(s -> wall.put(s, median(ws, w -> w.stepSeconds.getOrDefault(s, 0.0))));
            System.out.println("data provider's steps (wall): " + wall);
        }
        TreeSet<String> groups = new TreeSet<>();
        ws.forEach(w -> w.cpuByInterval.values().forEach(m -> groups.addAll(m.keySet())));
        StringBuilder head = new StringBuilder(String.format("  %-40s %7s", "thread (CPU s)", "all"));
        intervals.forEach(s -> head.append(String.format(" %12s", s)));
        System.out.println(head);
        List<String> sorted = new ArrayList<>(groups);
        java.util.function.Function<String, String> base = g -> g.endsWith(SYS) ? g.substring(0, g.length() - SYS.length()) : g;
        sorted.sort(java.util.Comparator.<String>comparingDouble(g -> -median(ws, w -> w.threadTotal(base.apply(g))))
                .thenComparing(base).thenComparing(g -> g.endsWith(SYS)));
        for (String g : sorted) {
            double all = median(ws, w -> w.threadTotal(g));
            if (all < 0.005) {
                continue;
            }
            StringBuilder row = new StringBuilder(String.format("  %-40s %7.3f", g, all));
            intervals.forEach(s -> row.append(String.format(" %12.3f", median(ws, w -> w.cpuByInterval.getOrDefault(s, Map.of())
                    .getOrDefault(g, 0.0)))));
            System.out.println(row);
        }
        System.out.printf("  %-40s %7.3f  (this JVM's CPU the polls did not see: threads that lived between two polls)%n",
                "unseen", median(ws, Window::unseen));
    }

    private interface Field {
        double of(Window w);
    }

    private static double median(List<Window> ws, Field f) {
        return Report.median(ws.stream().map(f::of).toList());
    }

    /** One timed window: wall time, CPU of this JVM and its children, each thread's CPU split at the marks. */
    private static final class Window {
        final Poller poller = new Poller();
        final long t0 = System.nanoTime();
        final long[] self0 = selfStat();
        final Map<String, Double> stepSeconds = new LinkedHashMap<>();
        final Map<String, Map<String, Double>> cpuByInterval = new LinkedHashMap<>();
        final List<String> marks = new ArrayList<>();
        final List<Map<String, Long>> snapshots = new ArrayList<>();
        double wall;
        double selfUser;
        double selfSys;
        double childCpu;

        Window() throws IOException {
            snapshots.add(poller.snapshot());
            poller.start();
        }

        synchronized void mark(String step, double seconds) {
            stepSeconds.put(step, seconds);
            marks.add(step);
            snapshots.add(poller.snapshot());
        }

        /** CPU of everything but the probe's poller: this JVM and the children reaped in the window. */
        double cpu() {
            return selfUser + selfSys + childCpu - probe();
        }

        double probe() {
            return threadTotal("enclave-jvm: " + POLLER.substring(0, Math.min(15, POLLER.length())));
        }

        double threadTotal(String group) {
            return cpuByInterval.values().stream().mapToDouble(m -> m.getOrDefault(group, 0.0)).sum();
        }

        double unseen() {
            double seen = cpuByInterval.values().stream().flatMap(m -> m.entrySet().stream())
                    .filter(e -> e.getKey().startsWith("enclave-jvm: ") && !e.getKey().endsWith(SYS)).mapToDouble(Map.Entry::getValue).sum();
            return Math.max(0, selfUser + selfSys - seen);
        }

        List<String> intervals() {
            return new ArrayList<>(cpuByInterval.keySet());
        }

        synchronized void close() throws Exception {
            wall = (System.nanoTime() - t0) / 1e9;
            long[] self1 = selfStat();
            poller.finish();
            marks.add("after");
            snapshots.add(poller.snapshot());
            selfUser = (self1[0] - self0[0]) / TICKS_PER_SECOND;
            selfSys = (self1[1] - self0[1]) / TICKS_PER_SECOND;
            childCpu = (self1[2] - self0[2]) / TICKS_PER_SECOND;
            for (int i = 0; i < marks.size(); i++) {
                Map<String, Long> from = snapshots.get(i);
                Map<String, Long> to = snapshots.get(i + 1);
                Map<String, Double> byGroup = new HashMap<>();
                to.forEach((key, ticks) -> byGroup.merge(poller.group(key), (ticks - from.getOrDefault(key, 0L)) / TICKS_PER_SECOND,
                        Double::sum));
                cpuByInterval.put(marks.get(i), byGroup);
            }
        }
    }

    /** utime, stime of this process and cutime + cstime of its reaped children, in ticks. */
    static long[] selfStat() throws IOException {
        String s = Files.readString(Path.of("/proc/self/stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14])};
    }

    /**
     * Polls every thread of this JVM and of its descendants, keeping each thread's latest CPU ticks: a thread that
     * ended keeps what it had at its last poll. Threads are grouped by process and name, digits dropped.
     */
    private static final class Poller extends Thread {
        private final Map<String, Long> latest = new HashMap<>();
        private final Map<String, String> groups = new HashMap<>();
        private volatile boolean done;

        Poller() {
            super(POLLER);
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!done) {
                poll();
                try {
                    Thread.sleep(POLL_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void finish() throws InterruptedException {
            done = true;
            join();
        }

        synchronized Map<String, Long> snapshot() {
            poll();
            return new HashMap<>(latest);
        }

        synchronized String group(String key) {
            return groups.get(key);
        }

        private synchronized void poll() {
            long self = ProcessHandle.current().pid();
            List<ProcessHandle> procs = new ArrayList<>();
            procs.add(ProcessHandle.current());
            ProcessHandle.current().descendants().forEach(procs::add);
            for (ProcessHandle p : procs) {
                String who = p.pid() == self ? "enclave-jvm" : "worker";
                List<Path> tasks;
                try (var list = Files.list(Path.of("/proc", Long.toString(p.pid()), "task"))) {
                    tasks = list.toList();
                } catch (IOException | RuntimeException e) {
                    continue;   // the process ended
                }
                tasks = new ArrayList<>(tasks);
                tasks.sort(java.util.Comparator.comparingLong(t -> Long.parseLong(t.getFileName().toString())));
                int javaThreads = 0;
                for (Path t : tasks) {
                    try {
                        String s = Files.readString(t.resolve("stat"));
                        String comm = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                        String key = p.pid() + "/" + t.getFileName();
                        latest.put(key, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                        latest.put(key + SYS, Long.parseLong(f[12]));
                        // threads the JVM did not name (the launcher's, the main thread, ONNX Runtime's pool) by their order
                        String name = comm.equals("java") ? "java " + javaThreads++ : comm.replaceAll("[0-9]+", "#");
                        groups.putIfAbsent(key, who + ": " + name);
                        groups.putIfAbsent(key + SYS, who + ": " + name + SYS);
                    } catch (IOException | RuntimeException ignored) {
                        // the thread ended between the listing and the read
                    }
                }
            }
        }
    }
}
