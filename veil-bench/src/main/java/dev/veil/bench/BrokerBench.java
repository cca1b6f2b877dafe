package dev.veil.bench;

import dev.veil.attest.Platform;
import dev.veil.cli.VeilCommand;
import dev.veil.cli.demo.DigitsDemo;
import dev.veil.enclave.broker.BrokerRelease;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.enclave.evidence.SimEvidenceSource;
import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.AssetKey;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ./bench broker}: key-broker releases per second. A {@code veil broker} process (the CLI's own command, default
 * logging) pinned to core 0 ({@code taskset -c 0}) holds the model provider's key under batch contracts of one model
 * allowing 10,000 instances each (one for the measurement, the others for the warm-up) and a release rate set far above what is measured (stated in the output); this JVM, kept off core 0,
 * plays many simulated enclave instances, each with its own instance keys, asking once (challenge, evidence binding the
 * broker's nonce, release) and checking the broker's signed answer and the wrapped key as an instance does. Reported:
 * releases per second, the broker's CPU time per release (from /proc) and the broker's own account of its CPU time per
 * step of a release ({@code veil_broker_release_step_cpu_seconds} in its /metrics); the rest is HTTP, JSON and the
 * challenge. Sim evidence carries no collateral: the appraisal is the join's code and policy without certificate chains.
 * The warm-up lasts until the broker's JIT compilers have settled ({@link #warmUp}), and the broker's CPU over the
 * measured releases is also split by kind of thread ({@link BrokerThreadCpu}: request threads in user and kernel
 * mode, JIT, GC and VM operations).
 */
final class BrokerBench {
    private static final int MAX_INSTANCES = ContractVerifier.MAX_INSTANCES_LIMIT;
    private static final String RATE = "1000000";
    private static final int CLIENTS = 16;
    private static final int WARMUP_ROUND = 500;
    /**
     * Up to 20,000 warm-up releases: a method the broker runs once per release reaches C2's invocation threshold
     * (Tier4InvocationThreshold, 5,000, raised while C2 is busy) only after thousands of releases, and the outermost
     * ones (the request dispatch, the route, KeyBroker.release and challenge), which inline the rest, compile last and
     * slowest (0.6-1.3 s each on the shared core): with 8,000 the measurement still paid for them.
     */
    private static final int MAX_WARMUP_ROUNDS = 36;
    private static final double JIT_SETTLED = 0.05;
    /**
     * Rounds in a row under {@link #JIT_SETTLED} that end the warm-up: C2 compiles the outermost methods of a release
     * (KeyBroker.release, the appraisal, the key wrap) seconds apart, 10,000-13,000 releases in, and one quiet round
     * between two of them ended the warm-up with the rest inside the measurement (0.25-0.71 ms of JIT a release, the
     * largest and least steady part of "the rest", in four runs at 94281e3 and 5475f01).
     */
    private static final int SETTLED_ROUNDS = 3;
    /** Warm-up releases under one warm-up contract, below its max_instances. */
    private static final int INSTANCES_PER_WARMUP_CONTRACT = 9_000;
    private static final int WARMUP_CONTRACTS = (2_000 + MAX_WARMUP_ROUNDS * WARMUP_ROUND) / INSTANCES_PER_WARMUP_CONTRACT + 1;

    private BrokerBench() {
    }

    static void run(Report report, Path dir, boolean quick) throws Exception {
        int warmup = quick ? 200 : 2_000;
        int measured = quick ? 500 : 6_000;
        boolean pinned = hasTaskset() && Runtime.getRuntime().availableProcessors() > 1;
        if (pinned) {
            keepOffCoreZero();
        }
        byte[] measurement = new byte[48];
        new SecureRandom().nextBytes(measurement);
        Identity mp = Identity.generate("mp", KeyWrapSuite.MLKEM768_X25519);
        Identity dp = Identity.generate("dp", KeyWrapSuite.MLKEM768_X25519);
        IdentityFiles.writeSecret(mp, dir.resolve("mp.key"));
        byte[] model = DigitsDemo.trainModel(1, 1);
        Path contracts = Files.createDirectories(dir.resolve("contracts"));
        // the warm-up releases to new instances too, as the measurement does, under contracts of its own (max_instances
        // is at most 10,000 a contract): warmed up on repeated instances, C2 compiled the release path for instances
        // already counted, and the measurement's new instances deoptimized and recompiled it (the JIT's share went from
        // 5 % in the last warm-up round to 19 % of the measured CPU)
        List<String> warmContracts = new ArrayList<>();
        for (int i = 0; i < WARMUP_CONTRACTS; i++) {
            warmContracts.add(writeContract(contracts.resolve("warm-up-" + i + ".json"), model, mp, dp, measurement, i + 1));
        }
        String contractHex = writeContract(contracts.resolve("measured.json"), model, mp, dp, measurement, 0);
        try (AssetKey key = AssetKey.generate()) {
            Files.writeString(dir.resolve("model.key"), key.toKeyFileText());
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>();
        if (pinned) {
            cmd.addAll(List.of("taskset", "-c", "0"));
        }
        cmd.add(ChildJvm.javaBinary().toString());
        // a probe's own JVM flags for the broker (JFR, -XX:+PrintCompilation), space-separated; none by default
        for (String flag : System.getProperty("veil.bench.broker.jvm", "").split(" ")) {
            if (!flag.isBlank()) {
                cmd.add(flag);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), VeilCommand.class.getName(),
                "broker", "--identity", dir.resolve("mp.key").toString(), "--contracts", contracts.toString(),
                "--asset-key", dir.resolve("model.key").toString(), "--state", dir.resolve("state").toString(), "--port",
                Integer.toString(port), "--releases-per-second", RATE, "--release-burst", RATE, "--workers", "64"));
        Path log = dir.resolve("broker.log");
        Process broker = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        URI url = URI.create("http://127.0.0.1:" + port + "/");
        try {
            awaitHealthy(url, broker, log);
            double[] loadBefore = ProcessTreeCpu.loadAverage();
            int warmedUp = warmUp(url, warmContracts, mp, measurement, warmup, quick ? MAX_WARMUP_ROUNDS / 3 : MAX_WARMUP_ROUNDS, broker.pid());
            // a round under the measured contract too: the first releases under a contract not yet released under
            // (a new record) set the JIT compiling again (24 % of a round at the switch between warm-up contracts)
            releases(url, contractHex, mp, measurement, WARMUP_ROUND);
            warmedUp += WARMUP_ROUND;
            Map<String, Double> stepsBefore = steps(url);
            Map<String, Double> threadsBefore = BrokerThreadCpu.read(broker.pid());
            double cpu0 = ProcessTreeCpu.own(broker.pid());
            long t0 = System.nanoTime();
            releases(url, contractHex, mp, measurement, measured);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = ProcessTreeCpu.own(broker.pid()) - cpu0;
            Map<String, Double> threads = BrokerThreadCpu.difference(threadsBefore, BrokerThreadCpu.read(broker.pid()));
            Map<String, Double> stepsAfter = steps(url);
            double[] loadAfter = ProcessTreeCpu.loadAverage();
            report(report, measured, seconds, cpu, stepsBefore, stepsAfter, pinned, loadBefore, loadAfter);
            reportThreads(report, measured, warmedUp, threads);
        } finally {
            broker.destroy();
            broker.waitFor();
        }
    }

    private static void report(Report report, int n, double seconds, double cpu, Map<String, Double> before, Map<String, Double> after,
                               boolean pinned, double[] loadBefore, double[] loadAfter) {
        double cpuMsPerRelease = cpu * 1000 / n;
        report.section("Key broker: " + n + " releases to " + n + " simulated instances, " + CLIENTS + " at once, broker "
                + (pinned ? "pinned to core 0 (taskset -c 0)" : "NOT pinned (no taskset, or one core): see CPU time"));
        report.note("Release rate limit set to " + RATE + "/s (burst " + RATE + ") for the benchmark, max_instances "
                + MAX_INSTANCES + "; every other check as configured by default. Sim evidence: no collateral or certificate chain.");
        report.table("step", "CPU ms per release", "wall ms per release (in the step)");
        Map<String, Object> steps = new LinkedHashMap<>();
        double accounted = 0;
        for (String step : after.keySet()) {
            if (!step.startsWith("cpu:")) {
                continue;
            }
            String name = step.substring(4);
            double stepCpu = (after.get(step) - before.getOrDefault(step, 0.0)) * 1000 / n;
            double stepWall = (after.getOrDefault("wall:" + name, 0.0) - before.getOrDefault("wall:" + name, 0.0)) * 1000 / n;
            accounted += stepCpu;
            report.row(name, String.format(Locale.ROOT, "%.3f", stepCpu), String.format(Locale.ROOT, "%.3f", stepWall));
            steps.put(name, Math.round(stepCpu * 1000) / 1000.0);
        }
        double rest = cpuMsPerRelease - accounted;
        steps.put("http_json_challenge_logging_gc", Math.round(rest * 1000) / 1000.0);
        report.row("the rest: HTTP, JSON parsing, the challenge, logging, GC, JIT", String.format(Locale.ROOT, "%.3f", rest), "");
        report.row("whole process (from /proc)", String.format(Locale.ROOT, "%.3f", cpuMsPerRelease), "");
        double perSecond = n / seconds;
        report.note(String.format(Locale.ROOT, "%.1f releases/s (wall, %.2f s); the broker's CPU: %.3f ms a release, so %.0f "
                        + "releases per CPU-second on one core. Load average before %.2f, after %.2f.", perSecond, seconds, cpuMsPerRelease,
                1000 / cpuMsPerRelease, loadBefore[0], loadAfter[0]));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "broker");
        json.put("releases", n);
        json.put("clients", CLIENTS);
        json.put("pinned_to_one_core", pinned);
        json.put("releases_per_s", Math.round(perSecond * 10) / 10.0);
        json.put("broker_cpu_ms_per_release", Math.round(cpuMsPerRelease * 1000) / 1000.0);
        json.put("releases_per_cpu_s", Math.round(1000 / cpuMsPerRelease));
        json.put("cpu_ms_per_release_by_step", steps);
        json.put("rate_limit_per_s", Long.parseLong(RATE));
        json.put("load_average_before", loadBefore);
        json.put("load_average_after", loadAfter);
        try {
            report.write(Path.of("target", "bench", "results.md"));
            System.out.println(Json.mapper().writeValueAsString(json));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * At least {@code first} releases, then rounds of {@link #WARMUP_ROUND} until the broker's JIT compilers took under
     * {@link #JIT_SETTLED} of its CPU in {@link #SETTLED_ROUNDS} rounds in a row (at most {@code maxRounds}: {@link #MAX_WARMUP_ROUNDS}, a third of it --quick): on one pinned core the compilers
     * share the core with the requests, so a fixed warmup can leave compilation of the hot paths inside the measurement,
     * where it would count as the broker's cost per release. Prints the JIT's share of each round. Returns the releases
     * made.
     */
    private static int warmUp(URI url, List<String> contracts, Identity mp, byte[] measurement, int first, int maxRounds, long pid)
            throws Exception {
        releases(url, contracts.get(0), mp, measurement, first);
        int made = first;
        int quiet = 0;
        for (int round = 0; round < maxRounds; round++) {
            Map<String, Double> before = BrokerThreadCpu.read(pid);
            releases(url, contracts.get(made / INSTANCES_PER_WARMUP_CONTRACT), mp, measurement, WARMUP_ROUND);
            made += WARMUP_ROUND;
            Map<String, Double> d = BrokerThreadCpu.difference(before, BrokerThreadCpu.read(pid));
            double all = d.values().stream().mapToDouble(Double::doubleValue).sum();
            System.out.printf(Locale.ROOT, "broker warm-up: %d releases, the JIT took %.1f %% of the broker's CPU in the last %d%n",
                    made, all > 0 ? 100 * d.get("jit") / all : 0.0, WARMUP_ROUND);
            quiet = all > 0 && d.get("jit") / all < JIT_SETTLED ? quiet + 1 : 0;
            if (quiet == SETTLED_ROUNDS) {
                break;
            }
        }
        return made;
    }

    private static void reportThreads(Report report, int n, int warmedUp, Map<String, Double> threads) {
        report.section("Key broker: its CPU per release by kind of thread (/proc/PID/task), after " + warmedUp + " warm-up releases");
        report.table("threads", "CPU ms per release");
        Map<String, Object> json = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : threads.entrySet()) {
            double ms = e.getValue() * 1000 / n;
            report.row(e.getKey(), String.format(Locale.ROOT, "%.3f", ms));
            json.put(e.getKey(), Math.round(ms * 1000) / 1000.0);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "broker_threads");
        out.put("warmup_releases", warmedUp);
        out.put("cpu_ms_per_release_by_threads", json);
        try {
            report.write(Path.of("target", "bench", "results.md"));
            System.out.println(Json.mapper().writeValueAsString(out));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * {@code n} releases to {@code n} new instances, {@link #CLIENTS} at a time, each checking its answer. Each client
     * thread keeps its HTTP connection from one instance to the next; a real instance opens its own connection for its
     * challenge and release, so the broker's accept and connection setup per release are not in these figures.
     */
    private static void releases(URI url, String contractHex, Identity mp, byte[] measurement, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        AtomicInteger left = new AtomicInteger(n);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(pool.submit(() -> {
                    EvidenceSource evidence = new SimEvidenceSource(measurement, false);
                    BrokerRelease release = new BrokerRelease(url, contractHex);
                    while (left.getAndDecrement() > 0) {
                        try (InstanceKeyPairs keys = new InstanceKeyPairs(KeyWrapSuite.MLKEM768_X25519)) {
                            releaseOnce(release, evidence, contractHex, mp, keys);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A batch contract for the benchmark's model, allowing {@link #MAX_INSTANCES}; {@code variant} makes each distinct. */
    private static String writeContract(Path file, byte[] model, Identity mp, Identity dp, byte[] measurement, int variant)
            throws Exception {
        SessionContract c = SessionContract.draft(BenchModelTerms.of(model, "model"), mp.publicIdentity(), dp.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of(Digests.hex(measurement)), false, true), KeyWrapSuite.MLKEM768_X25519,
                OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(2)).plusSeconds(variant)).withMaxInstances(MAX_INSTANCES);
        SignedContract signed = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp);
        Files.write(file, Json.canonical(signed));
        return ContractVerifier.verify(signed, Instant.now()).hashHex();
    }

    private static void releaseOnce(BrokerRelease release, EvidenceSource evidence, String contractHex, Identity mp,
                                    InstanceKeyPairs keys) throws Exception {
        byte[] contractHash = java.util.HexFormat.of().parseHex(contractHex);
        BrokerRelease.Released r = release.fetch(nonce -> {
            byte[] enclaveNonce = new byte[EvidenceBinding.NONCE_LENGTH];
            new SecureRandom().nextBytes(enclaveNonce);
            EvidenceSource.Collected collected = evidence.collect(EvidenceBinding.reportData(nonce, contractHash, keys.publicKeys()));
            return new Messages.EvidenceOffer(evidence.platform(), collected.evidence(), collected.collateral(), keys.publicKeys(),
                    enclaveNonce);
        });
        try (AssetKey k = BrokerRelease.openKey(r, Role.MODEL_PROVIDER, mp.publicIdentity(), keys.publicKeys(), keys.keyWrap())
                .orElseThrow(() -> new IllegalStateException("the broker released no key"))) {
            k.id();
        }
    }

    /** The broker's per-step counters from its /metrics: "cpu:STEP" and "wall:STEP" in seconds. */
    private static Map<String, Double> steps(URI url) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            for (String kind : new String[] {"cpu", "wall"}) {
                String prefix = "veil_broker_release_step_" + kind + "_seconds_total{step=\"";
                if (line.startsWith(prefix)) {
                    String step = line.substring(prefix.length(), line.indexOf('"', prefix.length()));
                    m.put(kind + ":" + step, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
                }
            }
        }
        return m;
    }

    private static void awaitHealthy(URI url, Process broker, Path log) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!broker.isAlive()) {
                ChildJvm.requireExit(broker, log, "the broker");
                throw new IllegalStateException("the broker exited before it answered; see " + log);
            }
            try {
                if (http.send(HttpRequest.newBuilder(url.resolve("/healthz")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the broker did not answer within 60 s; see " + log);
    }

    private static boolean hasTaskset() {
        for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(p, "taskset"))) {
                return true;
            }
        }
        return false;
    }

    /** This JVM (every thread) onto the other cores, so that the instances never take the broker's core. */
    private static void keepOffCoreZero() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", "1-" + (cores - 1), Long.toString(ProcessHandle.current().pid()))
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("taskset could not move the benchmark off core 0");
        }
    }
}
