package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The operator of a Spark local cluster (executors in JVMs of their own, on this test's class path) running
 * 'veil batch' for both providers ({@link Parties}): the Spark settings it gives the launcher JVM as system properties,
 * which the launcher reads as a cluster's operator would set them, and the files the model provider is handed.
 */
final class LocalClusterOperator {
    /** The operator's Spark settings: set as system properties around each command, then cleared. */
    final Map<String, String> spark = new LinkedHashMap<>();

    /** Executors on this class path, their temporary and Spark's local directories under {@code dir}. */
    LocalClusterOperator(Path dir) throws IOException {
        Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
        spark.put("spark.executor.extraClassPath", System.getProperty("java.class.path"));
        spark.put("spark.executor.extraJavaOptions", "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("executor-tmp")));
        spark.put("spark.local.dir", Files.createDirectories(dir.resolve("spark-local")).toString());
    }

    /** 'veil seal --format parquet' of {@code in} to {@code out}, one file of up to 1,000 rows. */
    static void seal(Parties p, String in, String out) {
        Parties.Run seal = Parties.launcher("seal", "--format", "parquet", "--in", p.path(in), "--out", p.path(out), "--broker", p.dpUrl,
                "--identity", p.path("dp.key"), "--master-key", "dataset", "--rows-per-file", "1000");
        assertThat(seal.exit()).as(seal.err()).isZero();
    }

    /** 'veil batch' of {@code data} to {@code out} on {@code master}, one row a run, under this operator's settings. */
    Parties.Run batch(Parties p, String master, String data, String out) {
        return under(() -> Parties.launcher("batch", "--contract", p.path("contract.json"), "--model", p.path("model.veil"),
                "--data", p.path(data), "--mp-broker", p.mpUrl, "--dp-broker", p.dpUrl, "--master-key", "dataset",
                "--out", p.path(out), "--master", master, "--rows-per-run", "1"));
    }

    /** {@code command} run with this operator's settings as the JVM's system properties. */
    <T> T under(Supplier<T> command) {
        spark.forEach(System::setProperty);
        try {
            return command.get();
        } finally {
            spark.keySet().forEach(System::clearProperty);
        }
    }

    /** How many discard receipts for the model provider a batch left in {@code out}. */
    static long discardReceipts(Path out) throws IOException {
        try (Stream<Path> files = Files.list(out)) {
            return files.filter(f -> f.getFileName().toString().startsWith("_veil-discard-receipt-")).count();
        }
    }
}
