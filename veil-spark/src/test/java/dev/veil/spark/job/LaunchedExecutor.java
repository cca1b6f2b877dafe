package dev.veil.spark.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;

/**
 * An executor JVM started as the measured executor image starts it, by {@code veil batch executor} with Spark's executor
 * arguments, against a driver whose cluster has no workers of its own ({@code local-cluster[0,...]}): the test plays the
 * cluster manager, which chooses the driver URL and the executor's Spark connection settings ({@code -Dspark.ssl.*},
 * {@code -Dspark.authenticate*}), and this test's class path stands for the image's.
 */
final class LaunchedExecutor implements AutoCloseable {
    private final Process process;
    private final Path log;

    private LaunchedExecutor(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts executor {@code id} for the driver of {@code sc}, with the connection settings {@code startup} (the cluster
     * manager's choice) as JVM options.
     */
    static LaunchedExecutor start(SparkContext sc, String id, Map<String, String> startup, Path dir) throws IOException {
        return start(sc, id, startup, List.of(), dir);
    }

    /** As {@link #start(SparkContext, String, Map, Path)}, with further JVM options (also the cluster manager's choice). */
    static LaunchedExecutor start(SparkContext sc, String id, Map<String, String> startup, List<String> jvmOptions, Path dir)
            throws IOException {
        return start("spark://CoarseGrainedScheduler@127.0.0.1:" + sc.getConf().get("spark.driver.port"), sc.applicationId(), id,
                startup, jvmOptions, dir);
    }

    /** As {@link #start(SparkContext, String, Map, List, Path)}, at {@code driverUrl}, which the cluster manager chose. */
    static LaunchedExecutor start(String driverUrl, String appId, String id, Map<String, String> startup, List<String> jvmOptions,
            Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx512m", "-Djava.io.tmpdir=" + dir));
        // the module options Spark's own launchers give every executor (its serializers reach into java.base)
        command.addAll(List.of(org.apache.spark.launcher.JavaModuleOptions.defaultModuleOptionArray()));
        startup.forEach((k, v) -> {
            if (!k.startsWith("spark.executorEnv.")) {
                command.add("-D" + k + "=" + v);
            }
        });
        command.addAll(jvmOptions);
        command.addAll(List.of("dev.veil.spark.cli.SparkLauncher", "batch", "executor", "--driver-url", driverUrl,
                "--executor-id", id, "--hostname", "127.0.0.1", "--cores", "1", "--app-id", appId));
        Path log = dir.resolve("executor-" + id + ".log");
        // its working directory is its own, as a container's is: Spark fetches added jars and files there
        ProcessBuilder b = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        // and an environment without JVM options of this test runner's (a pod's is the image's)
        b.environment().keySet().removeIf(name -> name.matches("LD_.*|JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS"));
        // the driver's executor environment, as Spark has every cluster manager set it
        startup.forEach((k, v) -> {
            if (k.startsWith("spark.executorEnv.")) {
                b.environment().put(k.substring("spark.executorEnv.".length()), v);
            }
        });
        Process p = b.start();
        return new LaunchedExecutor(p, log);
    }

    /**
     * The settings of {@code driverSettings} a cluster manager hands its executors at launch, as Spark chooses them
     * ({@code SparkConf.isExecutorStartupConf}: TLS without the stores' passwords, authentication) and the application's
     * secret, on an executor host that has none of the driver's files: the paths of the driver's key and trust stores
     * name nothing there; and the executor environment the driver asks for ({@code spark.executorEnv.*}), which
     * {@link #start} sets as environment variables.
     */
    static Map<String, String> startupSettings(Map<String, String> driverSettings) {
        Map<String, String> s = new java.util.LinkedHashMap<>();
        driverSettings.forEach((k, v) -> {
            if (k.startsWith("spark.executorEnv.")) {
                s.put(k, v);
            } else if (org.apache.spark.SparkConf.isExecutorStartupConf(k) || k.equals("spark.authenticate.secret")) {
                s.put(k, k.equals("spark.ssl.rpc.keyStore") || k.equals("spark.ssl.rpc.trustStore")
                        ? "/nonexistent/on/this/host/" + Path.of(v).getFileName() : v);
            }
        });
        return s;
    }

    /** The exit code, once the executor ended within {@code seconds}; else fails. */
    int exitWithin(long seconds) throws InterruptedException, IOException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("the executor still runs after " + seconds + " s; its output:\n" + output());
        }
        return process.exitValue();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** What the executor printed (stdout and stderr). */
    String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
