package dev.veil.spark.job;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/**
 * What the cluster manager may give a launched executor's JVM ({@link ExecutorLaunch}), checked before Spark starts:
 * it writes the executor's command line and environment, and Spark's executor reads every {@code -Dspark.*} option as a
 * setting, where a setting the driver does not send stays the cluster manager's (a jar to load when the executor is made,
 * a class to instantiate). So the JVM takes only Spark's connection settings from it (TLS, authentication, ports:
 * Spark's own "executor start-up" settings, and the secret and passwords Spark hands over beside them); no JVM option
 * that loads code or runs a command, no environment variable that preloads native code or adds JVM options, and no
 * resources file (custom resources, whose discovery runs scripts). Everything else comes from the attested driver.
 */
final class LaunchedJvm {
    /** Environment variables that preload native code or add JVM options. */
    private static final Pattern CODE_ENVIRONMENT = Pattern.compile("LD_.*|JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS");

    private LaunchedJvm() {
    }

    /** Refuses, naming it, the first thing of this JVM's the cluster manager may not give it. */
    static void check(Properties systemProperties, List<String> jvmOptions, Map<String, String> environment, List<String> sparkArguments)
            throws ExecutorLaunch.Refused {
        for (String key : systemProperties.stringPropertyNames().stream().sorted().toList()) {
            if (key.startsWith("spark.") && !connectionSetting(key)) {
                throw new ExecutorLaunch.Refused("the executor's JVM sets " + key + ": a cluster manager gives an executor its "
                        + "connection settings only, the rest comes from the attested driver");
            }
        }
        for (String option : jvmOptions) {
            Optional<String> why = CodeShipping.jvmOption(option);
            if (why.isPresent()) {
                throw new ExecutorLaunch.Refused("the executor's JVM has the option " + option.split("=", 2)[0] + ", which " + why.get());
            }
        }
        for (String name : environment.keySet().stream().sorted().toList()) {
            if (CODE_ENVIRONMENT.matcher(name).matches()) {
                throw new ExecutorLaunch.Refused("the executor's environment sets " + name + ", which preloads code or adds JVM options");
            }
        }
        if (sparkArguments.contains("--resourcesFile")) {
            throw new ExecutorLaunch.Refused("--resourcesFile names custom resources, which a Veil executor takes none of");
        }
    }

    /** As {@link #check(Properties, List, Map, List)}, on this JVM. */
    static void check(List<String> sparkArguments) throws ExecutorLaunch.Refused {
        check(System.getProperties(), ManagementFactory.getRuntimeMXBean().getInputArguments(), System.getenv(), sparkArguments);
    }

    private static boolean connectionSetting(String key) {
        return SparkConf.isExecutorStartupConf(key) || key.equals("spark.authenticate.secret")
                || (key.startsWith("spark.ssl.") && key.contains("Password"));
    }
}
