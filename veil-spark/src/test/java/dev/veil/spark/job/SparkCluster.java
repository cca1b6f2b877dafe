package dev.veil.spark.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark local-cluster for tests: a master and two workers in this JVM, each worker starting its executor as a
 * separate JVM with this test's class path (the surefire booter jar, whose manifest names every jar), bound to
 * loopback. SPARK_HOME (surefire sets it) needs only an empty jars/ directory.
 */
public final class SparkCluster {
    private SparkCluster() {
    }

    /** Where the cluster writes: event logs, block manager and shuffle files, executors' temporary files. */
    public record Dirs(Path eventLogs, Path local, Path executorTmp) {
    }

    public static SparkSession start(String name, Dirs dirs) {
        return start(name, dirs, java.util.Map.of());
    }

    /** As {@link #start(String, Dirs, java.util.Map)}, run by {@code driver}: Spark's RPC under its TLS key, as 'veil batch' runs. */
    public static SparkSession start(String name, Dirs dirs, java.util.Map<String, String> settings, DriverInstance driver) {
        java.util.Map<String, String> all = new java.util.LinkedHashMap<>(settings);
        all.putAll(driver.sparkSettings());
        return start(name, dirs, all);
    }

    /** As {@link #start(String, Dirs)}, with further Spark settings. */
    public static SparkSession start(String name, Dirs dirs, java.util.Map<String, String> settings) {
        return start(name, dirs, settings, 2);
    }

    /**
     * As {@link #start(String, Dirs, java.util.Map)}, with {@code workers} workers: with none, the cluster starts no
     * executor, and the test starts its own ({@link LaunchedExecutor}).
     */
    static SparkSession start(String name, Dirs dirs, java.util.Map<String, String> settings, int workers) {
        try {
            Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
            Files.createDirectories(dirs.eventLogs());
            Files.createDirectories(dirs.local());
            Files.createDirectories(dirs.executorTmp());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SparkConf conf = new SparkConf().setMaster("local-cluster[" + workers + ",1,1024]").setAppName(name)
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set("spark.executor.extraJavaOptions", "-Djava.io.tmpdir=" + dirs.executorTmp())
                .set("spark.local.dir", dirs.local().toString())
                .set("spark.ui.enabled", "false")
                .set("spark.eventLog.enabled", "true").set("spark.eventLog.dir", dirs.eventLogs().toUri().toString());
        settings.forEach(conf::set);
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
