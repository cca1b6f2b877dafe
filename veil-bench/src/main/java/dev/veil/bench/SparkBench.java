package dev.veil.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./bench spark [--model digits|ocr|minilm]}: issue 9's Spark figures. This JVM writes the model and the data
 * provider's rows ({@link SparkModels}) and hands the measurement to {@link SparkJobBench} in a child JVM on the batch
 * launcher's class path (veil-spark/target/veil-spark.jar with its lib/, plus this module's classes): Spark stays out of
 * this jar's class path and of every other benchmark's.
 *
 * <p>The default model is the digits classifier ({@code DigitsDemo}), as veil-spark's own command test uses: a few
 * microseconds of ONNX Runtime a row, so the measurement is of what Veil adds around ONNX Runtime (Parquet decryption,
 * the inference worker's pipe, commitments, encrypted results) — the worst case for the ratio; {@code ocr} and
 * {@code minilm} show what a user with a real model sees.
 */
final class SparkBench {
    private SparkBench() {
    }

    /** @param rowsAsked the rows of the dataset, or null for the model's default ({@link SparkModels}) */
    static void run(Report report, Path dir, boolean quick, Long rowsAsked, SparkModels which) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path launcher = root.resolve("veil-spark/target/veil-spark.jar");
        Path classes = root.resolve("veil-bench/target/classes");
        if (!Files.isRegularFile(launcher) || !Files.isDirectory(classes)) {
            throw new IllegalStateException("the batch launcher " + launcher + " or " + classes + " is missing: run ./bench from the "
                    + "repository root (it builds both)");
        }
        long rows = rowsAsked != null ? rowsAsked : quick ? which.quickRows : which.defaultRows;
        int partitions = 8;
        int reps = quick ? 1 : 3;
        Path model = dir.resolve(which.id() + ".onnx");
        byte[] modelBytes = which.model(root);
        Files.write(model, modelBytes);
        Path rowsFile = which.writeRows(root, dir, modelBytes, rows);
        Path sparkHome = dir.resolve("spark-home");
        Files.createDirectories(sparkHome.resolve("jars"));   // local-cluster's executors need a Spark home; their class path is given
        Path log = dir.resolve("spark-bench.log");
        List<String> cmd = new ArrayList<>(List.of(ChildJvm.javaBinary().toString(), "-Xmx3g", "--enable-native-access=ALL-UNNAMED"));
        // the child's own settings given to this JVM (-Dveil.bench.spark.executorJavaOptions=... adds a profiler to the executors)
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("veil.bench.spark.")).sorted()
                .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.addAll(List.of("-cp", launcher + File.pathSeparator + classes, SparkJobBench.class.getName(), dir.toString(), which.id(),
                model.toString(), rowsFile.toString(), Long.toString(rows), Integer.toString(partitions), Integer.toString(reps),
                Integer.toString(which.rowsPerRun), Integer.toString(Math.toIntExact(Math.min(which.tinyRows, rows))), System.getProperty("veil.bench.spark.executors", "1,2")));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(log.toFile());
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        report.note("Spark benchmark: child JVM on the batch launcher's class path; Spark's log in " + log);
        ChildJvm.requireExit(pb.start(), log, "the Spark benchmark");
    }
}
