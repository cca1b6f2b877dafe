package dev.veil.bench;

import dev.veil.protocol.batch.BatchReceiptFile;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.protocol.json.Json;
import dev.veil.seal.io.AtomicOutput;
import dev.veil.spark.cli.SparkLauncher;
import dev.veil.spark.job.BatchJob;
import dev.veil.spark.job.BatchTerms;
import dev.veil.spark.job.DriverInstance;
import dev.veil.spark.parquet.EncryptedRows;
import dev.veil.spark.parquet.ParquetCrypto;
import dev.veil.spark.parquet.RowCells;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ./bench spark}'s measurement, run by {@link SparkBench} in a child JVM on the batch launcher's own class path
 * (veil-spark's jar and lib/, plus this module's classes), which is also the executors' class path and so their
 * measurement. It seals the data provider's rows with the launcher's {@code seal --format parquet}, writes the same
 * cells as plaintext Parquet in the same files, and on Spark's local-cluster with one and then two executors (each a
 * separate JVM, one core) runs, alternating after a warm-up job of each (the first job of fresh executors, reported as
 * such): the confidential job ({@link BatchJob}, what {@code veil batch} runs: both brokers, attested executors,
 * encrypted output, the batch receipt written out, discard receipts) and the plaintext job (same partitions, same
 * model, same runs of rows, ONNX Runtime in the executor).
 * Each job's fixed cost is measured on a dataset of a few rows in the same partitions. Prints its tables and, last,
 * one JSON line.
 *
 * <p>Arguments: WORK_DIR MODEL_NAME MODEL.onnx ROWS.csv|ROWS.npz ROWS PARTITIONS REPETITIONS ROWS_PER_RUN TINY_ROWS EXECUTORS(,..)
 */
public final class SparkJobBench {
    private SparkJobBench() {
    }

    /** Medians of one side (confidential or plaintext) at one executor count. */
    private record Side(double seconds, double cpuSeconds, double tinySeconds, double tinyCpuSeconds, long rows,
                        Map<String, Double> cpuByProcess, Map<String, Double> tinyCpuByProcess) {
        double rowsPerSecond() {
            return rows / seconds;
        }

        /** Rows a second once the job's fixed cost (the tiny job's time) is taken out. */
        double marginalRowsPerSecond() {
            return seconds > tinySeconds ? rows / (seconds - tinySeconds) : Double.NaN;
        }
    }

    private record Timed(double seconds, double cpuSeconds, Map<String, Double> cpuByProcess) {
    }

    /** Every job's window of this run, kept beside the results (the run's work directory is deleted). */
    private static final Path WINDOWS = Path.of("target", "bench", "spark-job-windows.txt");

    public static void main(String[] args) throws Exception {
        Files.createDirectories(WINDOWS.getParent());
        Files.writeString(WINDOWS, "");
        Path dir = Path.of(args[0]);
        String modelId = args[1];
        byte[] model = Files.readAllBytes(Path.of(args[2]));
        Path rowsFile = Path.of(args[3]);
        long rows = Long.parseLong(args[4]);
        int partitions = Integer.parseInt(args[5]);
        int reps = Integer.parseInt(args[6]);
        int rowsPerRun = Integer.parseInt(args[7]);
        int tinyRows = Integer.parseInt(args[8]);
        List<Integer> executorCounts = Stream.of(args[9].split(",")).map(Integer::parseInt).toList();
        double[] loadBefore = ProcessTreeCpu.loadAverage();
        Report report = new Report();
        Map<Integer, Side[]> sides = new LinkedHashMap<>();
        Map<Integer, Double> sessionStart = new LinkedHashMap<>();
        Map<Integer, Timed[]> firstJobs = new LinkedHashMap<>();
        double sealSeconds;
        try (SparkParties p = new SparkParties(dir, model)) {
            String input = OnnxSignatureReader.read(model).inputs().get(0).name();
            Path tinyFile = tiny(rowsFile, tinyRows);
            long t0 = System.nanoTime();
            seal(p, rowsFile, "sealed", rows, partitions);
            sealSeconds = (System.nanoTime() - t0) / 1e9;
            seal(p, tinyFile, "sealed-tiny", tinyRows, partitions);
            writePlain(readRows(rowsFile, input), p.path("plain"), rows, partitions);
            writePlain(readRows(tinyFile, input), p.path("plain-tiny"), tinyRows, partitions);
            report.section("Spark batch, model " + modelId + ": confidential (veil batch) against plaintext, " + rows + " rows, "
                    + partitions + " partitions, " + rowsPerRun + " rows a model run");
            report.note("ONNX Runtime on both sides: " + SparkPlainModel.SETTINGS + " (the confidential job's inference worker "
                    + "and the plaintext job's executor alike).");
            report.note("Sealing " + rows + " rows to encrypted Parquet ('seal --format parquet', in this JVM): "
                    + String.format(Locale.ROOT, "%.1f s", sealSeconds));
            report.table("executors", "job", "median s", "rows/s", "median CPU s (all processes)", "fixed cost s (" + tinyRows
                    + " rows)", "fixed CPU s", "rows/s beyond fixed cost");
            for (int executors : executorCounts) {
                // what one job pays in executors that ran nothing before (a 'veil batch' is its own Spark application): the
                // plaintext job first in a session of its own, the confidential job first in the measuring session
                Timed coldPlain;
                try (SparkSession spark = session(dir, executors, Map.of())) {
                    coldPlain = plain(spark, p, model, "plain", rowsPerRun, rows);
                }
                long s0 = System.nanoTime();
                // the confidential jobs' application runs Spark's RPC over TLS under the attested driver's key, as 'veil batch' does
                try (DriverInstance driver = new DriverInstance(Json.parse(p.contract, SignedContract.class, "contract"));
                     SparkSession spark = session(dir, executors, driver.sparkSettings())) {
                    sessionStart.put(executors, (System.nanoTime() - s0) / 1e9);
                    firstJobs.put(executors, new Timed[] {confidential(spark, driver, p, "sealed", rowsPerRun, partitions), coldPlain});
                    Side[] both = measure(spark, driver, p, model, rows, tinyRows, partitions, reps, rowsPerRun);
                    sides.put(executors, both);
                    String[] names = {"confidential", "plaintext"};
                    for (int i = 0; i < 2; i++) {
                        Side s = both[i];
                        report.row(executors, names[i], s.seconds(), s.rowsPerSecond(), s.cpuSeconds(), s.tinySeconds(),
                                s.tinyCpuSeconds(), s.marginalRowsPerSecond());
                    }
                }
            }
        }
        report.table("executors", "job", "CPU s by process (median): " + String.join(", ", SparkProcessCpu.KINDS),
                "fixed cost (" + tinyRows + " rows): the same");
        sides.forEach((n, both) -> {
            report.row(n, "confidential", cpuText(both[0].cpuByProcess()), cpuText(both[0].tinyCpuByProcess()));
            report.row(n, "plaintext", cpuText(both[1].cpuByProcess()), cpuText(both[1].tinyCpuByProcess()));
        });
        report.table("executors", "job", "first job in fresh executors: s", "CPU s (all processes)");
        firstJobs.forEach((n, first) -> {
            report.row(n, "confidential", first[0].seconds(), first[0].cpuSeconds());
            report.row(n, "plaintext", first[1].seconds(), first[1].cpuSeconds());
        });
        report.note("First jobs: what one 'veil batch' pays in executors that ran nothing before. The driver's JVM (this one) "
                + "is shared by every session: at the first executor count the plaintext job is its first Spark job (a cold "
                + "driver besides), at later counts both run on a warm driver.");
        double[] loadAfter = ProcessTreeCpu.loadAverage();
        int top = executorCounts.get(executorCounts.size() - 1);
        Side conf = sides.get(top)[0];
        Side plain = sides.get(top)[1];
        report.note(String.format(Locale.ROOT, "Ratio (confidential rows/s over plaintext rows/s, %d executor(s)): %.3f; by CPU "
                        + "time: %.3f. Session start (master, workers, executors): %s s. Load average before %s, after %s.",
                top, conf.rowsPerSecond() / plain.rowsPerSecond(), plain.cpuSeconds() / conf.cpuSeconds(), sessionStart.values(),
                text(loadBefore), text(loadAfter)));
        report.write(Path.of("target", "bench", "results.md"));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "spark");
        json.put("model", modelId);
        json.put("onnx_runtime_settings", SparkPlainModel.SETTINGS);
        json.put("rows", rows);
        json.put("partitions", partitions);
        json.put("rows_per_run", rowsPerRun);
        json.put("executors", top);
        json.put("repetitions", reps);
        json.put("confidential_rows_per_s", round(conf.rowsPerSecond()));
        json.put("plaintext_rows_per_s", round(plain.rowsPerSecond()));
        json.put("ratio", round3(conf.rowsPerSecond() / plain.rowsPerSecond()));
        json.put("ratio_cpu", round3(plain.cpuSeconds() / conf.cpuSeconds()));
        json.put("confidential_rows_per_s_beyond_fixed_cost", round(conf.marginalRowsPerSecond()));
        json.put("plaintext_rows_per_s_beyond_fixed_cost", round(plain.marginalRowsPerSecond()));
        json.put("fixed_cost_s", Map.of("confidential", round3(conf.tinySeconds()), "plaintext", round3(plain.tinySeconds()),
                "tiny_rows", tinyRows));
        json.put("cpu_s_per_job", Map.of("confidential", round3(conf.cpuSeconds()), "plaintext", round3(plain.cpuSeconds())));
        if (executorCounts.size() > 1) {
            int first = executorCounts.get(0);
            Map<String, Object> scaling = new LinkedHashMap<>();
            scaling.put("confidential", round3(conf.rowsPerSecond() / sides.get(first)[0].rowsPerSecond()));
            scaling.put("plaintext", round3(plain.rowsPerSecond() / sides.get(first)[1].rowsPerSecond()));
            json.put("scaling_" + first + "_to_" + top + "_executors", scaling);
        }
        Map<String, Object> perExecutors = new LinkedHashMap<>();
        sides.forEach((n, s) -> perExecutors.put(n.toString(), Map.of("confidential_rows_per_s", round(s[0].rowsPerSecond()),
                "plaintext_rows_per_s", round(s[1].rowsPerSecond()), "confidential_cpu_s", round3(s[0].cpuSeconds()),
                "plaintext_cpu_s", round3(s[1].cpuSeconds()), "confidential_cpu_s_by_process", rounded(s[0].cpuByProcess()),
                "plaintext_cpu_s_by_process", rounded(s[1].cpuByProcess()))));
        json.put("by_executors", perExecutors);
        Map<String, Object> firstJobsJson = new LinkedHashMap<>();
        firstJobs.forEach((n, first) -> firstJobsJson.put(n.toString(), Map.of("confidential_s", round3(first[0].seconds()),
                "plaintext_s", round3(first[1].seconds()), "confidential_cpu_s", round3(first[0].cpuSeconds()),
                "plaintext_cpu_s", round3(first[1].cpuSeconds()))));
        json.put("first_job_in_fresh_executors", firstJobsJson);
        json.put("session_start_s", sessionStart.values().stream().map(SparkJobBench::round3).toList());
        json.put("seal_s", round3(sealSeconds));
        json.put("load_average_before", loadBefore);
        json.put("load_average_after", loadAfter);
        System.out.println(Json.mapper().writeValueAsString(json));
    }

    /** The data provider's rows as encrypted Parquet, by the launcher's own command, one file a partition. */
    private static void seal(SparkParties p, Path rowsFile, String out, long rows, int partitions) {
        int rc = SparkLauncher.commandLine().setOut(new java.io.PrintWriter(java.io.Writer.nullWriter())).execute("seal", "--format", "parquet", "--in", rowsFile.toString(), "--contract",
                p.path("contract.json").toString(), "--out", p.path(out).toString(), "--broker", p.dpUrl, "--identity",
                p.path("dp.key").toString(), "--master-key", "dataset", "--rows-per-file", Long.toString(rowsPerFile(rows, partitions)));
        if (rc != 0) {
            throw new IllegalStateException("sealing " + rowsFile + " as parquet exited with " + rc);
        }
    }

    /** The first {@code tinyRows} rows of the CSV or .npz, in a file of the same kind beside it. */
    private static Path tiny(Path rowsFile, int tinyRows) throws Exception {
        if (rowsFile.getFileName().toString().endsWith(".csv")) {
            Path tinyCsv = rowsFile.resolveSibling("tiny.csv");
            try (Stream<String> lines = Files.lines(rowsFile)) {
                Files.write(tinyCsv, lines.limit(tinyRows + 1L).toList());
            }
            return tinyCsv;
        }
        List<Tensor> first = new ArrayList<>();
        for (Tensor t : Npz.read(Files.readAllBytes(rowsFile), Long.MAX_VALUE).tensors()) {
            first.add(t.rows(0, tinyRows));
        }
        Path tinyNpz = rowsFile.resolveSibling("tiny.npz");
        Files.write(tinyNpz, Npz.write(new NamedTensors(first)));
        return tinyNpz;
    }

    /** The rows as the sealing command reads them: a CSV's as the model's one input (digits: [rows, 64]), an .npz's as they are. */
    private static NamedTensors readRows(Path rowsFile, String input) throws Exception {
        if (rowsFile.getFileName().toString().endsWith(".csv")) {
            FloatTensor t = NumericCsv.read(Files.readAllBytes(rowsFile));
            return NamedTensors.of(Tensor.ofFloats(input, new long[] {t.rows(), t.rowSize()}, t.values()));
        }
        return Npz.read(Files.readAllBytes(rowsFile), Long.MAX_VALUE);
    }

    /** The same cells as the sealing command makes, in the same files, without encryption. */
    private static void writePlain(NamedTensors rowTensors, Path out, long rows, int partitions) throws Exception {
        List<byte[]> cells = RowCells.split(rowTensors);
        Files.createDirectories(out);
        EncryptedRows.write(out, cells, (int) rowsPerFile(rows, partitions), new Configuration());
    }

    private static long rowsPerFile(long rows, int partitions) {
        return (rows + partitions - 1) / partitions;
    }

    /**
     * Local-cluster with {@code executors} workers of one core and 1 GiB each, bound to loopback, every file its own
     * partition (so both jobs and both executor counts see the same partitions), waiting until every executor is up.
     */
    private static SparkSession session(Path dir, int executors, Map<String, String> settings) throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("executor-tmp"));
        Path local = Files.createDirectories(dir.resolve("spark-local"));
        SparkConf conf = new SparkConf().setMaster("local-cluster[" + executors + ",1,1024]").setAppName("veil bench spark")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                // a profiler for the executors (JFR, say) may be added by -Dveil.bench.spark.executorJavaOptions=...
                .set("spark.executor.extraJavaOptions", ("-Djava.io.tmpdir=" + tmp + " "
                        + System.getProperty("veil.bench.spark.executorJavaOptions", "")).strip())
                .set("spark.local.dir", local.toString())
                .set("spark.ui.enabled", "false")
                .set("spark.sql.files.maxPartitionBytes", "1g").set("spark.sql.files.openCostInBytes", "1g");
        settings.forEach(conf::set);
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < executors + 1) {   // the driver is one
            if (System.nanoTime() > deadline) {
                spark.close();
                throw new IllegalStateException("Spark's " + executors + " executor(s) did not start within 2 minutes");
            }
            Thread.sleep(100);
        }
        return spark;
    }

    /**
     * Warm-up of the plaintext job (the confidential job ran first in these executors), then {@code reps} alternating runs
     * of each on the large and on the tiny dataset.
     */
    private static Side[] measure(SparkSession spark, DriverInstance driver, SparkParties p, byte[] model, long rows, int tinyRows, int partitions, int reps,
                                  int rowsPerRun) throws Exception {
        plain(spark, p, model, "plain", rowsPerRun, rows);
        List<List<Timed>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(new ArrayList<>());
        }
        for (int r = 0; r < reps; r++) {
            Timed[] big = spareWorkersToConfidential(confidential(spark, driver, p, "sealed", rowsPerRun, partitions),
                    plain(spark, p, model, "plain", rowsPerRun, rows));
            Timed[] tiny = spareWorkersToConfidential(confidential(spark, driver, p, "sealed-tiny", rowsPerRun, partitions),
                    plain(spark, p, model, "plain-tiny", rowsPerRun, tinyRows));
            runs.get(0).add(big[0]);
            runs.get(1).add(big[1]);
            runs.get(2).add(tiny[0]);
            runs.get(3).add(tiny[1]);
        }
        return new Side[] {side(runs.get(0), runs.get(2), rows), side(runs.get(1), runs.get(3), rows)};
    }

    /**
     * Once a confidential job's instance closed, its executor starts the next job's inference worker ahead of need
     * ({@code WorkerReserve}): that start runs while the plaintext job that follows runs, which has no worker of its own.
     * Its CPU is the confidential job's: what live inference workers spent during the plaintext job is moved there (the
     * plaintext job keeps its wall time, which the start shared the cores with, and the CPU of its own child processes,
     * Hadoop's chmod of the files it writes).
     */
    private static Timed[] spareWorkersToConfidential(Timed confidential, Timed plain) {
        double spare = plain.cpuByProcess().get(SparkProcessCpu.LIVE_WORKERS);
        Map<String, Double> c = new LinkedHashMap<>(confidential.cpuByProcess());
        Map<String, Double> pl = new LinkedHashMap<>(plain.cpuByProcess());
        c.merge(SparkProcessCpu.WORKERS, spare, Double::sum);
        pl.merge(SparkProcessCpu.WORKERS, -spare, Double::sum);
        return new Timed[] {new Timed(confidential.seconds(), confidential.cpuSeconds() + spare, c),
                new Timed(plain.seconds(), plain.cpuSeconds() - spare, pl)};
    }

    private static Side side(List<Timed> big, List<Timed> tiny, long rows) {
        return new Side(Report.median(big.stream().map(Timed::seconds).toList()), Report.median(big.stream().map(Timed::cpuSeconds).toList()),
                Report.median(tiny.stream().map(Timed::seconds).toList()), Report.median(tiny.stream().map(Timed::cpuSeconds).toList()), rows,
                medians(big), medians(tiny));
    }

    /** The median of each kind of process's CPU seconds over the runs. */
    private static Map<String, Double> medians(List<Timed> runs) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String kind : SparkProcessCpu.KINDS) {
            m.put(kind, Report.median(runs.stream().map(t -> t.cpuByProcess().get(kind)).toList()));
        }
        return m;
    }

    /** One confidential job as 'veil batch' runs it, its batch receipt written beside the results; the output deleted after. */
    private static Timed confidential(SparkSession spark, DriverInstance driver, SparkParties p, String data, int rowsPerRun, int partitions) throws Exception {
        Path out = p.path("out-" + UUID.randomUUID());
        BatchTerms terms = new BatchTerms(UUID.randomUUID().toString(), p.contract, p.sealedModel, p.mpUrl, p.dpUrl, "dataset", rowsPerRun);
        double cpu = ProcessTreeCpu.seconds();
        Map<String, Double> byProcess = SparkProcessCpu.snapshot();
        long t0 = System.nanoTime();
        BatchJob.Outcome outcome = BatchJob.run(spark, driver, terms, p.path(data).toString(), out.toUri().toString());
        BatchReceiptFile receipt = outcome.batchReceipt();
        if (receipt == null) {
            throw new IllegalStateException("the confidential job failed: " + outcome.failure());
        }
        AtomicOutput.write(out.resolve("_veil-batch-receipt.json"), Json.pretty(receipt).getBytes(StandardCharsets.UTF_8), false);
        Timed t = new Timed((System.nanoTime() - t0) / 1e9, ProcessTreeCpu.seconds() - cpu,
                SparkProcessCpu.minus(SparkProcessCpu.snapshot(), byProcess));
        logWindow("confidential", data, t0);
        if (receipt.partitions().size() != partitions || outcome.unclosedInstances() != 0) {
            throw new IllegalStateException("the confidential job signed " + receipt.partitions().size() + " partition receipt(s) for "
                    + partitions + " partitions, with " + outcome.unclosedInstances() + " instance(s) not closed");
        }
        delete(out);
        return t;
    }

    /** The same job over plaintext Parquet: no brokers, no attestation, no encryption, no receipts. */
    private static Timed plain(SparkSession spark, SparkParties p, byte[] model, String data, int rowsPerRun, long rows) throws Exception {
        Path out = p.path("out-" + UUID.randomUUID());
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        ParquetCrypto.reading(p.dpUrl).keySet().forEach(hadoop::unset);   // the confidential job leaves its decryption set
        double cpu = ProcessTreeCpu.seconds();
        Map<String, Double> byProcess = SparkProcessCpu.snapshot();
        long t0 = System.nanoTime();
        spark.createDataFrame(spark.read().schema(BatchJob.INPUT_SCHEMA).parquet(p.path(data).toString()).javaRDD()
                        .mapPartitions(new SparkPlainInference(UUID.randomUUID().toString(), model, rowsPerRun)), BatchJob.INPUT_SCHEMA)
                .write().mode(SaveMode.ErrorIfExists).parquet(out.toUri().toString());
        Timed t = new Timed((System.nanoTime() - t0) / 1e9, ProcessTreeCpu.seconds() - cpu,
                SparkProcessCpu.minus(SparkProcessCpu.snapshot(), byProcess));
        logWindow("plaintext", data, t0);
        long written = spark.read().parquet(out.toUri().toString()).count();
        if (written != rows) {
            throw new IllegalStateException("the plaintext job wrote " + written + " rows of " + rows);
        }
        delete(out);
        return t;
    }

    /**
     * Appends a job's window on the monotonic clock (System.nanoTime is CLOCK_MONOTONIC on Linux) to {@link #WINDOWS}: a
     * system-wide profile taken with {@code perf record -k CLOCK_MONOTONIC} is cut by these windows into the jobs it covered
     * ({@code veil-bench/scripts/perf-job-windows.py}).
     */
    private static void logWindow(String side, String data, long startNanos) throws java.io.IOException {
        Files.writeString(WINDOWS, String.format(Locale.ROOT, "job window (monotonic s): %s %s %.6f %.6f%n", side, data,
                startNanos / 1e9, System.nanoTime() / 1e9), java.nio.file.StandardOpenOption.APPEND);
    }

    private static void delete(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static String cpuText(Map<String, Double> byProcess) {
        return String.join(" / ", byProcess.values().stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).toList());
    }

    private static Map<String, Double> rounded(Map<String, Double> byProcess) {
        Map<String, Double> m = new LinkedHashMap<>();
        byProcess.forEach((k, v) -> m.put(k, round3(v)));
        return m;
    }

    private static String text(double[] load) {
        return String.format(Locale.ROOT, "%.2f %.2f %.2f", load[0], load[1], load[2]);
    }

    private static double round(double x) {
        return Math.round(x * 10) / 10.0;
    }

    private static double round3(double x) {
        return Math.round(x * 1000) / 1000.0;
    }
}
