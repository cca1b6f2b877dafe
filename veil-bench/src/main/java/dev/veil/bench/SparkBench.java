package dev.veil.bench;

import dev.veil.cli.demo.DigitsDemo;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./bench spark}: issue 9's Spark figures. This JVM writes the digits model and the data provider's rows and
 * hands the measurement to {@link SparkJobBench} in a child JVM on the batch launcher's class path
 * (veil-spark/target/veil-spark.jar with its lib/, plus this module's classes): Spark stays out of this jar's class
 * path and of every other benchmark's.
 *
 * <p>The model is the digits classifier ({@code DigitsDemo}), as veil-spark's own command test uses: a per-row model
 * of a few microseconds a row, so the measurement is of what Veil adds around ONNX Runtime (Parquet decryption, the
 * inference worker's pipe, commitments, encrypted results) rather than of the model; a larger model would hide it.
 */
final class SparkBench {
    private SparkBench() {
    }

    /** @param rowsAsked the rows of the dataset, or null for the default (1,000,000; 20,000 with --quick) */
    static void run(Report report, Path dir, boolean quick, Long rowsAsked) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path launcher = root.resolve("veil-spark/target/veil-spark.jar");
        Path classes = root.resolve("veil-bench/target/classes");
        if (!Files.isRegularFile(launcher) || !Files.isDirectory(classes)) {
            throw new IllegalStateException("the batch launcher " + launcher + " or " + classes + " is missing: run ./bench from the "
                    + "repository root (it builds both)");
        }
        long rows = rowsAsked != null ? rowsAsked : quick ? 20_000 : 1_000_000;
        int partitions = 8;
        int reps = quick ? 1 : 3;
        int rowsPerRun = 256;
        int tinyRows = 800;
        Path model = dir.resolve("digits.onnx");
        Files.write(model, DigitsDemo.trainModel(5, 1));
        Path csv = dir.resolve("rows.csv");
        DigitsCsv.write(csv, rows);
        Path sparkHome = dir.resolve("spark-home");
        Files.createDirectories(sparkHome.resolve("jars"));   // local-cluster's executors need a Spark home; their class path is given
        Path log = dir.resolve("spark-bench.log");
        List<String> cmd = new ArrayList<>(List.of(ChildJvm.javaBinary().toString(), "-Xmx3g", "--enable-native-access=ALL-UNNAMED",
                "-cp", launcher + File.pathSeparator + classes, SparkJobBench.class.getName(), dir.toString(), model.toString(),
                csv.toString(), Long.toString(rows), Integer.toString(partitions), Integer.toString(reps), Integer.toString(rowsPerRun),
                Integer.toString(tinyRows), "1,2"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(log.toFile());
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        report.note("Spark benchmark: child JVM on the batch launcher's class path; Spark's log in " + log);
        ChildJvm.requireExit(pb.start(), log, "the Spark benchmark");
    }
}
