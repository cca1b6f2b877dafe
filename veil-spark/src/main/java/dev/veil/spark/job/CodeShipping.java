package dev.veil.spark.job;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Spark settings that would put code the contract does not measure into the executors: jars, files and archives the
 * executors fetch at start or per task (off the class path the measurement covers), plugins loaded from them, JVM
 * agents or crash commands and library paths on the executors' command line, and environment variables that preload
 * native code or add JVM options; classes served from a URI ahead of the class path; heap dumps (the rows and keys on a
 * disk). Any of these would run the operator's code beside the rows an instance decrypts, or write them out. Checked
 * twice: 'veil batch' refuses to start when its JVM's settings carry one, and an executor started by Veil's launcher
 * ({@link ExecutorLaunch}) refuses a driver whose configuration carries one. This is a list of what is known to do so,
 * not an allowlist: Spark has hundreds of settings (docs/SCALE-OUT.md says what it does not cover). The executors' own
 * class path ({@code spark.executor.extraClassPath}) is not refused: the measurement hashes it, so code added there
 * fails attestation. Nor is Kubernetes' executor pod template ({@code spark.kubernetes.executor.podTemplateFile} and
 * {@code podTemplateContainerName}): only the driver's cluster manager reads it, to shape the pods it asks the
 * Kubernetes API for, and the operator who could change a pod that way can start any pod without it. An executor gets the
 * file's name among the driver's settings but never opens it; what binds its code is its measurement (and, in
 * Confidential Containers, the policy pinning the image and command), and the options and variables a template could
 * add to its JVM are checked there as any pod's ({@link LaunchedJvm}).
 */
public final class CodeShipping {
    /** Keys that name code for the executors (or the driver) to fetch or load. */
    private static final List<String> CODE_KEYS = List.of("spark.jars", "spark.jars.packages", "spark.jars.repositories",
            "spark.jars.ivy", "spark.jars.ivySettings", "spark.files", "spark.archives", "spark.submit.pyFiles", "spark.plugins",
            "spark.executor.plugins", "spark.sql.extensions", "spark.executor.extraLibraryPath",
            // classes served from a URI, looked up before the class path when user classes come first: Veil's own classes
            // would load from there, unmeasured
            "spark.repl.class.uri", "spark.repl.class.outputDir", "spark.executor.userClassPathFirst", "spark.driver.userClassPathFirst",
            // what Spark redacts from its event log and UI (the key store's password among them)
            "spark.redaction.regex",
            // jars, files and archives an executor fetches and loads when it is made (Spark sets these for Spark Connect)
            "spark.app.initial.jar.urls", "spark.app.initial.file.urls", "spark.app.initial.archive.urls",
            // classes an executor instantiates by name: off the measured class path only with one of the above, but no
            // Veil job needs its own
            "spark.kryo.registrator", "spark.shuffle.manager", "spark.shuffle.sort.io.plugin.class",
            "spark.resources.discoveryPlugin",
            // classes the driver's Kubernetes cluster manager instantiates by name, in the driver's TEE, for every pod
            "spark.kubernetes.executor.pod.featureSteps", "spark.kubernetes.driver.pod.featureSteps");
    /** The driver's Kubernetes pod allocator: a class name but for Spark's own; the executors' entrypoint needs "direct". */
    private static final String POD_ALLOCATOR = "spark.kubernetes.allocation.pods.allocator";
    /** Custom resources: each may name a discovery script, which an executor runs when it starts. */
    private static final Pattern RESOURCE_KEYS = Pattern.compile("spark\\.(executor|driver|task|worker)\\.resource\\..*");
    /** JVM options of the executors' that load code or run commands the class path does not hold. */
    private static final Pattern CODE_OPTIONS = Pattern.compile(
            "(?:^|\\s)(@|-javaagent|-agentpath|-agentlib|-Xbootclasspath|--patch-module|--upgrade-module-path|--module-path"
                    + "|-XX:OnError|-XX:OnOutOfMemoryError|-XX:\\+?HeapDump|-XX:HeapDumpPath|-XX:VMOptionsFile|-XX:Flags|-XX:\\+?StartFlightRecording"
                    + "|-Djava\\.library\\.path|-Djava\\.home|-Donnxruntime\\.native\\.path|-Djna\\.|-Djava\\.system\\.class\\.loader"
                    + "|-Djava\\.security\\.|-Djdk\\.internal"
                    // Log4j's configuration (a URL it fetches, appenders, classes by name), read as the JVM starts
                    + "|-Dlog4j|-DLog4j|-Dorg\\.apache\\.logging)");
    /** Environment variables that preload native code or add JVM options. */
    private static final Pattern CODE_ENVIRONMENT = Pattern.compile("LD_.*|.*JAVA_.*OPTIONS|JAVA_TOOL_OPTIONS|CLASSPATH|JAVA_HOME"
            + "|SPARK_JAVA_OPT.*|SPARK_CLASSPATH|SPARK_DIST_CLASSPATH|SPARK_EXTRA_CLASSPATH|SPARK_USER_CLASSPATH"
            // Log4j's configuration, read from the environment as the JVM starts
            + "|LOG4J.*");

    private CodeShipping() {
    }

    /** Why the Spark setting {@code key} = {@code value} ships code to the executors, or empty when it does not. */
    public static Optional<String> why(String key, String value) {
        if (CODE_KEYS.contains(key)) {
            return Optional.of("names code the executors would fetch or load");
        }
        if (key.equals(POD_ALLOCATOR) && !value.strip().equals("direct")) {
            return Optional.of("names a pod allocator other than Spark's default, \"direct\" (another is a class the driver loads by name)");
        }
        if (RESOURCE_KEYS.matcher(key).matches()) {
            return Optional.of("asks for a custom resource, whose discovery script the executors would run");
        }
        if ((key.equals("spark.executor.extraJavaOptions") || key.equals("spark.executor.defaultJavaOptions"))
                && CODE_OPTIONS.matcher(value).find()) {
            return Optional.of("gives the executors' JVM an option that loads code or runs a command");
        }
        if (key.startsWith("spark.executorEnv.")
                && CODE_ENVIRONMENT.matcher(key.substring("spark.executorEnv.".length()).toUpperCase(Locale.ROOT)).matches()) {
            return Optional.of("sets an environment variable that preloads code or adds JVM options in the executors");
        }
        return Optional.empty();
    }
}
