package dev.veil.spark.cli;

import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Spark settings that would put code the contract does not measure into the executors, refused when the launcher JVM's
 * {@code spark.*} system properties (which Spark reads) carry them. The executors attest only for the attested driver
 * (DriverConnection), but the driver's Spark configuration comes from whoever starts it: jars, files and archives
 * the executors fetch at start or per task (off the class path the measurement covers), plugins loaded from them, JVM
 * agents or crash commands and library paths on the executors' command line, and environment variables that preload
 * native code or add JVM options; classes served from a URI ahead of the class path; heap dumps (the rows and keys on a
 * disk). Any of these would run the operator's code beside the rows an instance decrypts, or write them out, so a batch
 * refuses to start (exit 2) rather than ship it. This is a list of what is known to do so, not an allowlist: Spark has
 * hundreds of settings (docs/SCALE-OUT.md says what it does not cover). The executors' own class path ({@code
 * spark.executor.extraClassPath}) is not refused: the measurement hashes it, so code added there fails attestation.
 */
final class CodeShippingSettings {
    /** Keys that name code for the executors (or the driver) to fetch or load. */
    private static final List<String> CODE_KEYS = List.of("spark.jars", "spark.jars.packages", "spark.jars.repositories",
            "spark.jars.ivy", "spark.jars.ivySettings", "spark.files", "spark.archives", "spark.submit.pyFiles", "spark.plugins",
            "spark.executor.plugins", "spark.sql.extensions", "spark.executor.extraLibraryPath",
            // classes served from a URI, looked up before the class path when user classes come first: Veil's own classes
            // would load from there, unmeasured
            "spark.repl.class.uri", "spark.repl.class.outputDir", "spark.executor.userClassPathFirst", "spark.driver.userClassPathFirst",
            // executor pods from a template of the operator's (extra containers, mounts, command)
            "spark.kubernetes.executor.podTemplateFile", "spark.kubernetes.executor.podTemplateContainerName",
            // what Spark redacts from its event log and UI (the key store's password among them)
            "spark.redaction.regex");
    /** JVM options of the executors' that load code or run commands the class path does not hold. */
    private static final Pattern CODE_OPTIONS = Pattern.compile(
            "(?:^|\\s)(@|-javaagent|-agentpath|-agentlib|-Xbootclasspath|--patch-module|--upgrade-module-path|--module-path"
                    + "|-XX:OnError|-XX:OnOutOfMemoryError|-XX:\\+?HeapDump|-XX:HeapDumpPath|-XX:VMOptionsFile|-XX:Flags|-XX:\\+?StartFlightRecording"
                    + "|-Djava\\.library\\.path|-Djava\\.home|-Donnxruntime\\.native\\.path|-Djna\\.|-Djava\\.system\\.class\\.loader"
                    + "|-Djava\\.security\\.|-Djdk\\.internal)");
    /** Environment variables that preload native code or add JVM options. */
    private static final Pattern CODE_ENVIRONMENT = Pattern.compile("LD_.*|.*JAVA_.*OPTIONS|JAVA_TOOL_OPTIONS|CLASSPATH|JAVA_HOME"
            + "|SPARK_JAVA_OPT.*|SPARK_CLASSPATH|SPARK_DIST_CLASSPATH|SPARK_EXTRA_CLASSPATH|SPARK_USER_CLASSPATH");

    private CodeShippingSettings() {
    }

    /** Refuses, naming the first such setting, when {@code properties} (the JVM's system properties) hold one. */
    static void refuse(Properties properties) throws UsageError {
        for (String key : properties.stringPropertyNames().stream().sorted().toList()) {
            if (!key.startsWith("spark.")) {
                continue;
            }
            String value = properties.getProperty(key);
            String why = null;
            if (CODE_KEYS.contains(key)) {
                why = "names code the executors would fetch or load";
            } else if ((key.equals("spark.executor.extraJavaOptions") || key.equals("spark.executor.defaultJavaOptions"))
                    && CODE_OPTIONS.matcher(value).find()) {
                why = "gives the executors' JVM an option that loads code or runs a command";
            } else if (key.startsWith("spark.executorEnv.")
                    && CODE_ENVIRONMENT.matcher(key.substring("spark.executorEnv.".length()).toUpperCase(Locale.ROOT)).matches()) {
                why = "sets an environment variable that preloads code or adds JVM options in the executors";
            }
            if (why != null) {
                throw new UsageError(key + " is set (a JVM system property) and " + why + ", which the contract does not measure; "
                        + "a batch ships no code but the measured launcher's: remove it");
            }
        }
    }
}
