package dev.veil.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.veil.provider.serving.ServingClient;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ./bench serve [--quick] [--soak DURATION]}: issue 8's serving figures in one run, MiniLM with requests of 8
 * sequences × 128 tokens and 16 concurrent clients. (a) Confidential serving (the SDK's {@code infer}: sealed and
 * signed requests, attestation reused, answers opened and their log receipts checked) against the plaintext baseline
 * ({@link ServePlaintextServer}: the same server, limits and batching, nothing sealed), both warmed up, then measured in
 * alternating rounds; (b) one client alone on each server, in alternating rounds: the added latency of one request
 * when nothing queues ({@code added_p50_ms}), with the enclave's time per stage ({@code veil_infer_stage}); (c) 1,000
 * idle keep-alive connections held while the clients are answered; (d) with {@code --soak}, the confidential load for
 * that long, with the heap after GC at its start and end. The last line printed is one JSON object with every figure.
 */
final class ServeBench {
    static final int CLIENTS = 16;
    static final int IDLE_CONNECTIONS = 1000;

    /**
     * @param jvmCpuMsPerRequest this JVM's CPU (the clients and the server, not the ONNX Runtime worker process) per answer
     * @param serverOutsideModelMs the server's mean time per answer outside the model run and its batch wait
     * @param meanBatchRows the mean rows per model run (16 clients × 8 rows when every run coalesces every client)
     */
    record Mode(double requestsPerSecond, double p50Ms, double p99Ms, long answered, long failed, String firstFailure,
                double jvmCpuMsPerRequest, double serverOutsideModelMs, double meanBatchRows) {
    }

    record Idle(int requested, int held, int stillServedAfter, double requestsPerSecond, long answered, long failed) {
    }

    record Soak(String length, double seconds, long answered, long failed, String firstFailure, double requestsPerSecond,
                double heapAfterGcStartMib, double heapAfterGcEndMib, List<Double> heapAfterGcSamplesMib) {
    }

    /**
     * One client alone, sending its requests one after the other: the latency a data provider sees when nothing queues.
     *
     * @param requests answers per server
     */
    record Unloaded(int requests, Mode confidential, Mode plaintext, double addedP50Ms, double addedP99Ms,
                    double addedJvmCpuMsPerRequest, Map<String, Double> serverStageMs) {
    }

    /**
     * @param addedP50Ms the unloaded added p50 (issue 8's "added p50 latency": what one request costs a data provider)
     * @param addedP50MsAt16Clients confidential minus plaintext p50 with 16 saturating clients: mostly queueing
     *                              ((1/ratio − 1) × p50), not per-request cost
     * @param serverStageMsAt16Clients the enclave's mean time per request in each stage over the 16-client rounds
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Figures(String benchmark, boolean quick, String model, int rowsPerRequest, int tokens, int clients, int rounds,
                   int requestsPerClientPerRound, String loadAverageBefore, String loadAverageAfter, double confidentialRps, double plaintextRps,
                   double ratio, double p50Ms, double p99Ms, double plaintextP50Ms, double plaintextP99Ms, double addedP50Ms,
                   @JsonProperty("added_p50_ms_at_16_clients") double addedP50MsAt16Clients, double unloadedP50Ms, double unloadedP99Ms, double unloadedPlaintextP50Ms,
                   double unloadedPlaintextP99Ms, Unloaded unloaded,
                   @JsonProperty("server_stage_ms_at_16_clients") Map<String, Double> serverStageMsAt16Clients,
                   double addedServerMsPerRequest, double confidentialStepsMs, long failed, int connections, Idle idle, Mode confidential, Mode plaintext,
                   List<ServeSteps.Step> confidentialSteps, Soak soak, Double soakHeapStartMib,
                   Double soakHeapEndMib, Long soakFailed) {
    }

    private ServeBench() {
    }

    static void run(Report report, Path dir, Path shared, boolean quick, Duration soak, String soakText) throws Exception {
        String loadBefore = loadAverage();
        int warm = quick ? 1 : 3;
        int perRound = quick ? 1 : 4;
        int rounds = quick ? 2 : 4;
        Figures f;
        try (ServeSetup s = ServeSetup.start(shared, dir)) {
            report.section("Serving: MiniLM, " + ServeSetup.ROWS + "×" + ServeSetup.TOKENS + " tokens per request, " + CLIENTS
                    + " clients (sim TEE)");
            report.note("Load average before: " + loadBefore + " on " + Runtime.getRuntime().availableProcessors() + " cores; model "
                    + s.modelFile + "; batch rows " + s.config.batchSize() + ", wait ≤ 2 ms; ONNX Runtime threads: all cores");
            ServingClient sdk = new ServingClient(s.confidentialUri(), s.contract);
            ServeLoad.Call confidential = () -> {
                if (sdk.infer(s.dataProvider, s.requestNpz).outputsNpz().length == 0) {
                    throw new IllegalStateException("an empty answer");
                }
            };
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
            URI plainInfer = s.plaintextUri().resolve("/v1/infer");
            ServeLoad.Call plaintext = () -> {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(plainInfer).header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(s.requestNpz)).build(), HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200 || r.body().length == 0) {
                    throw new IllegalStateException("HTTP " + r.statusCode());
                }
            };
            int answerBytes = http.send(HttpRequest.newBuilder(plainInfer).POST(HttpRequest.BodyPublishers.ofByteArray(s.requestNpz)).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).body().length;
            int gcmMessages = quick ? 20 : 500;
            double gcmSeconds = ServeJitWarmUp.aesGcm(gcmMessages, answerBytes);
            report.note(String.format("JIT warm-up: the JDK's AES-GCM sealed and opened %d messages of an answer's %d bytes (%.1f s), as "
                    + "a long-running server and client have after a few hundred answers; then %d requests per client on each server",
                    gcmMessages, answerBytes, gcmSeconds, warm));
            List<ServeSteps.Step> steps = ServeSteps.measure(s, quick ? 20 : 200, quick ? 20 : 300);
            report.table("what confidentiality adds to one request, one thread, no model (warm)", "median ms", "mean ms");
            for (ServeSteps.Step step : steps) {
                report.row(step.name(), step.medianMs(), step.meanMs());
            }
            ServeLoad.run(CLIENTS, warm, confidential);
            ServeLoad.run(CLIENTS, warm, plaintext);
            URI metrics = s.confidentialUri().resolve("/metrics");

            ServeLoad.Outcome conf = ServeLoad.Outcome.none();
            ServeLoad.Outcome plain = ServeLoad.Outcome.none();
            double confCpu = 0;
            double plainCpu = 0;
            double[] confOutside = new double[4];
            double[] plainOutside = new double[4];
            ServeStages stagesBefore = ServeStages.read(http, metrics);
            report.table("round", "confidential req/s", "plaintext req/s", "ratio");
            for (int r = 0; r < rounds; r++) {
                ServeLoad.Outcome c;
                ServeLoad.Outcome p;
                double[] cpu = new double[2];
                double[] confOutside0 = outsideModel(http, metrics);
                double[] plainOutside0 = s.plaintext.outsideModel().totals();
                if (r % 2 == 0) {   // alternate which goes first, so drift in the machine's load favours neither
                    c = timed(cpu, 0, () -> ServeLoad.run(CLIENTS, perRound, confidential));
                    p = timed(cpu, 1, () -> ServeLoad.run(CLIENTS, perRound, plaintext));
                } else {
                    p = timed(cpu, 1, () -> ServeLoad.run(CLIENTS, perRound, plaintext));
                    c = timed(cpu, 0, () -> ServeLoad.run(CLIENTS, perRound, confidential));
                }
                double[] confOutside1 = outsideModel(http, metrics);
                double[] plainOutside1 = s.plaintext.outsideModel().totals();
                for (int i = 0; i < 4; i++) {
                    confOutside[i] += confOutside1[i] - confOutside0[i];
                    plainOutside[i] += plainOutside1[i] - plainOutside0[i];
                }
                confCpu += cpu[0];
                plainCpu += cpu[1];
                conf = conf.plus(c);
                plain = plain.plus(p);
                report.row(r + 1, c.perSecond(), p.perSecond(), c.perSecond() / p.perSecond());
            }
            Map<String, Double> loadedStages = ServeStages.read(http, metrics).meanMsSince(stagesBefore);
            Mode cm = mode(conf, confCpu, confOutside);
            Mode pm = mode(plain, plainCpu, plainOutside);
            report.table("", "req/s", "p50 ms", "p99 ms", "answered", "failed", "JVM CPU ms/request (clients and server, not ONNX Runtime)",
                    "server ms/request outside the model (mean)", "rows per model run (mean)");
            report.row("confidential", cm.requestsPerSecond(), cm.p50Ms(), cm.p99Ms(), cm.answered(), cm.failed(), cm.jvmCpuMsPerRequest(),
                    cm.serverOutsideModelMs(), cm.meanBatchRows());
            report.row("plaintext", pm.requestsPerSecond(), pm.p50Ms(), pm.p99Ms(), pm.answered(), pm.failed(), pm.jvmCpuMsPerRequest(),
                    pm.serverOutsideModelMs(), pm.meanBatchRows());
            double ratio = cm.requestsPerSecond() / pm.requestsPerSecond();
            double addedServer = cm.serverOutsideModelMs() - pm.serverOutsideModelMs();
            report.note(String.format("Ratio (confidential/plaintext throughput) %.3f (target ≥ 0.9); p50 at %d clients %.2f ms above "
                    + "plaintext: with every client saturating the model, p50 is about clients/throughput, so this is queueing "
                    + "((1/ratio − 1) × p50), not what one request costs (the unloaded figure below is); added server time outside "
                    + "the model %.2f ms per request", ratio, CLIENTS, cm.p50Ms() - pm.p50Ms(), addedServer));
            if (cm.firstFailure() != null || pm.firstFailure() != null) {
                report.note("First failure: confidential " + cm.firstFailure() + "; plaintext " + pm.firstFailure());
            }
            Unloaded unloaded = unloaded(report, http, metrics, s, confidential, plaintext, quick ? 1 : 4, quick ? 3 : 25);
            report.table("enclave stage (veil_infer_stage)", "mean ms per request, one client", "mean ms per request, " + CLIENTS + " clients");
            for (Map.Entry<String, Double> e : unloaded.serverStageMs().entrySet()) {
                report.row(e.getKey(), e.getValue(), loadedStages.get(e.getKey()));
            }

            Idle idle = idle(report, s, confidential, quick ? Duration.ofSeconds(4) : Duration.ofSeconds(15));
            Soak soaked = soak == null ? null : soak(report, confidential, soak, soakText);
            String loadAfter = loadAverage();
            report.note("Load average after: " + loadAfter);
            f = new Figures("serve", quick, "all-minilm-l6-v2-q", ServeSetup.ROWS, ServeSetup.TOKENS, CLIENTS, rounds,
                    perRound, loadBefore, loadAfter, round(cm.requestsPerSecond()), round(pm.requestsPerSecond()),
                    round(ratio), round(cm.p50Ms()), round(cm.p99Ms()), round(pm.p50Ms()), round(pm.p99Ms()),
                    unloaded.addedP50Ms(), round(cm.p50Ms() - pm.p50Ms()), unloaded.confidential().p50Ms(),
                    unloaded.confidential().p99Ms(), unloaded.plaintext().p50Ms(), unloaded.plaintext().p99Ms(), unloaded, loadedStages,
                    round(addedServer), steps.get(steps.size() - 1).medianMs(), cm.failed() + pm.failed(),
                    idle.held(), idle, cm, pm, steps, soaked,
                    soaked == null ? null : soaked.heapAfterGcStartMib(), soaked == null ? null : soaked.heapAfterGcEndMib(),
                    soaked == null ? null : soaked.failed());
        }
        report.write(Path.of("target", "bench", "results.md"));
        deleteTree(dir);
        System.out.println(new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).writeValueAsString(f));
    }

    /**
     * One client, one request after another, alternating the two servers request by request ({@code rounds} ×
     * {@code perRound} requests on each, alternating which of a pair goes first): nothing queues, so the difference of the two p50s is what confidentiality adds to
     * one request as its data provider sees it (sealing, signing, opening, checking, on both sides), and the enclave's
     * stages over these requests say where that goes.
     */
    private static Unloaded unloaded(Report report, HttpClient http, URI metrics, ServeSetup s, ServeLoad.Call confidential,
                                     ServeLoad.Call plaintext, int rounds, int perRound) throws Exception {
        ServeLoad.Outcome conf = ServeLoad.Outcome.none();
        ServeLoad.Outcome plain = ServeLoad.Outcome.none();
        double[] cpu = new double[2];
        double[] confOutside = new double[4];
        double[] plainOutside = new double[4];
        ServeStages before = ServeStages.read(http, metrics);
        double[] c0 = outsideModel(http, metrics);
        double[] p0 = s.plaintext.outsideModel().totals();
        for (int i = 0; i < rounds * perRound; i++) {   // paired, one of each in turn: drift in the model's speed hits both alike
            if (i % 2 == 0) {
                conf = conf.plus(timed(cpu, 0, () -> ServeLoad.run(1, 1, confidential)));
                plain = plain.plus(timed(cpu, 1, () -> ServeLoad.run(1, 1, plaintext)));
            } else {
                plain = plain.plus(timed(cpu, 1, () -> ServeLoad.run(1, 1, plaintext)));
                conf = conf.plus(timed(cpu, 0, () -> ServeLoad.run(1, 1, confidential)));
            }
        }
        double[] c1 = outsideModel(http, metrics);
        double[] p1 = s.plaintext.outsideModel().totals();
        for (int i = 0; i < 4; i++) {
            confOutside[i] = c1[i] - c0[i];
            plainOutside[i] = p1[i] - p0[i];
        }
        Map<String, Double> stages = ServeStages.read(http, metrics).meanMsSince(before);
        Mode cm = mode(conf, cpu[0], confOutside);
        Mode pm = mode(plain, cpu[1], plainOutside);
        Unloaded u = new Unloaded(rounds * perRound, cm, pm, round(cm.p50Ms() - pm.p50Ms()), round(cm.p99Ms() - pm.p99Ms()),
                round(cm.jvmCpuMsPerRequest() - pm.jvmCpuMsPerRequest()), stages);
        report.table("one client, unloaded", "p50 ms", "p99 ms", "answered", "failed", "JVM CPU ms/request (client and server)",
                "server ms/request outside the model (mean)");
        report.row("confidential", cm.p50Ms(), cm.p99Ms(), cm.answered(), cm.failed(), cm.jvmCpuMsPerRequest(), cm.serverOutsideModelMs());
        report.row("plaintext", pm.p50Ms(), pm.p99Ms(), pm.answered(), pm.failed(), pm.jvmCpuMsPerRequest(), pm.serverOutsideModelMs());
        report.note(String.format("Added latency, one client, nothing queued (issue 8's \"added p50 ≤ 2 ms\", the JSON's added_p50_ms): "
                + "p50 %.2f ms, p99 %.2f ms; added JVM CPU (data provider and enclave together) %.2f ms per request. The %d-client "
                + "figure is kept as added_p50_ms_at_16_clients.", u.addedP50Ms(), u.addedP99Ms(), u.addedJvmCpuMsPerRequest(), CLIENTS));
        return u;
    }

    /** Holds {@link #IDLE_CONNECTIONS} idle keep-alive connections to the confidential server while the clients run. */
    private static Idle idle(Report report, ServeSetup s, ServeLoad.Call confidential, Duration length) throws Exception {
        try (ServeIdleConnections held = ServeIdleConnections.open(s.enclave.port(), IDLE_CONNECTIONS)) {
            ServeLoad.Outcome o = ServeLoad.run(CLIENTS, length, confidential);
            int still = held.stillServed();
            Idle idle = new Idle(IDLE_CONNECTIONS, held.opened(), still, round(o.perSecond()), o.answered(), o.failed());
            report.table("idle keep-alive connections opened", "still answering after the load", "confidential req/s meanwhile",
                    "answered", "failed");
            report.row(idle.held(), idle.stillServedAfter(), idle.requestsPerSecond(), idle.answered(), idle.failed());
            return idle;
        }
    }

    /** The confidential load for {@code length}, the heap after a full GC at the start, every minute, and at the end. */
    private static Soak soak(Report report, ServeLoad.Call confidential, Duration length, String text) throws Exception {
        List<Double> samples = new ArrayList<>();
        double start = heapAfterGcMib();
        samples.add(start);
        ServeLoad.Outcome total = ServeLoad.Outcome.none();
        Duration left = length;
        Duration step = Duration.ofMinutes(1);
        while (!left.isZero() && !left.isNegative()) {
            Duration d = left.compareTo(step) < 0 ? left : step;
            total = total.plus(ServeLoad.run(CLIENTS, d, confidential));
            samples.add(heapAfterGcMib());
            left = left.minus(d);
        }
        double end = samples.get(samples.size() - 1);
        Soak soak = new Soak(text, round(total.seconds()), total.answered(), total.failed(), total.firstFailure(), round(total.perSecond()),
                round(start), round(end), samples.stream().map(ServeBench::round).toList());
        report.table("soak", "answered", "failed", "req/s", "heap after GC at start MiB", "at end MiB", "every minute MiB");
        report.row(text, soak.answered(), soak.failed(), soak.requestsPerSecond(), soak.heapAfterGcStartMib(), soak.heapAfterGcEndMib(),
                soak.heapAfterGcSamplesMib());
        return soak;
    }

    @FunctionalInterface
    private interface Load {
        ServeLoad.Outcome run() throws Exception;
    }

    /** Runs {@code load}, adding this JVM's CPU seconds over it to {@code cpu[i]}. */
    private static ServeLoad.Outcome timed(double[] cpu, int i, Load load) throws Exception {
        long before = processCpuNanos();
        ServeLoad.Outcome o = load.run();
        cpu[i] += (processCpuNanos() - before) / 1e9;
        return o;
    }

    private static Mode mode(ServeLoad.Outcome o, double cpuSeconds, double[] outsideModel) {
        return new Mode(round(o.perSecond()), round(o.percentileMs(50)), round(o.percentileMs(99)), o.answered(), o.failed(),
                o.firstFailure(), round(o.answered() == 0 ? Double.NaN : cpuSeconds * 1000 / o.answered()),
                round(outsideModel[1] == 0 ? Double.NaN : outsideModel[0] * 1000 / outsideModel[1]),
                round(outsideModel[3] == 0 ? Double.NaN : outsideModel[2] / outsideModel[3]));
    }

    /**
     * From the enclave's /metrics: its {@code veil_infer_outside_model} timer (seconds summed, answers counted) and its
     * {@code veil_batch_rows} summary (rows summed, runs counted).
     */
    private static double[] outsideModel(HttpClient http, URI metrics) throws Exception {
        String text = http.send(HttpRequest.newBuilder(metrics).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        double[] totals = new double[4];
        for (String line : text.split("\n")) {
            if (line.startsWith("veil_infer_outside_model_seconds_sum ")) {
                totals[0] = Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
            } else if (line.startsWith("veil_infer_outside_model_seconds_count ")) {
                totals[1] = Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
            } else if (line.startsWith("veil_batch_rows_sum ")) {
                totals[2] = Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
            } else if (line.startsWith("veil_batch_rows_count ")) {
                totals[3] = Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
            }
        }
        return totals;
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    private static double heapAfterGcMib() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (double) (1 << 20);
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
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
