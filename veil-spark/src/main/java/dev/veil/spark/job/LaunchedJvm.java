package dev.veil.spark.job;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/**
 * What the cluster manager may give a launched executor's JVM ({@link ExecutorLaunch}), checked before Spark starts:
 * it writes the executor's command line and environment (on real hardware a confidential container's command and
 * environment are part of what its policy measures; here they are checked too). Spark's executor reads every
 * {@code -Dspark.*} option as a setting, where a setting the driver does not send stays the cluster manager's (a jar to
 * load when the executor is made, a class to instantiate); and many JVM options and system properties load code: a
 * debugger ({@code -Xrunjdwp}), remote JMX, native libraries by path (commons-crypto's, snappy's, ONNX Runtime's), a
 * class-data archive, another class path. So this is an allowlist: Spark's connection settings (its executor start-up
 * settings: TLS, authentication, ports, and the secret and passwords beside them), memory and garbage-collector
 * sizing, the temporary directory, the packages Spark opens and native access; no other option. Nor any {@code LD_*},
 * {@code JAVA_TOOL_OPTIONS} or {@code _JAVA_OPTIONS} in the environment (the JVM's options from {@code
 * JDK_JAVA_OPTIONS} are among those checked), nor a resources file (custom resources, whose discovery runs scripts).
 * Everything else comes from the attested driver.
 */
final class LaunchedJvm {
    /** Environment variables that preload native code or add JVM options outside the options checked here. */
    private static final Pattern CODE_ENVIRONMENT = Pattern.compile("LD_.*|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS");
    /** The JVM options a launched executor may be started with, besides {@code -Dspark.*} connection settings. */
    private static final Pattern ALLOWED_OPTIONS = Pattern.compile("-Xm[xsn]\\d+[kKmMgG]?|-Xss\\d+[kKmMgG]?"
            + "|-XX:[+-]Use(Serial|Parallel|G1|Z)GC|-XX:-UsePerfData|-XX:(Max|Initial|Min)RAMPercentage=[\\d.]+"
            + "|-XX:ActiveProcessorCount=\\d+|-XX:(MaxDirectMemorySize|MaxMetaspaceSize|ReservedCodeCacheSize)=\\d+[kKmMgG]?"
            + "|-XX:[+-]UseContainerSupport|-Dfile\\.encoding=UTF-8"
            + "|-Djava\\.io\\.tmpdir=[^\\s]+|--enable-native-access=ALL-UNNAMED"
            // SparkContext puts it first in every executor's JVM options, as the driver's JVM has it (true or false);
            // Kubernetes gives them to the pod (SPARK_JAVA_OPT_n)
            + "|-Djava\\.net\\.preferIPv6Addresses=(true|false)"
            + "|--add-opens=[\\w.]+/[\\w.]+=ALL-UNNAMED|--add-modules=jdk\\.incubator\\.vector"
            + "|-Djdk\\.reflect\\.useDirectMethodHandle=false|-Dio\\.netty\\.tryReflectionSetAccessible=true"
            // the rest of what Spark's launchers give every executor (JavaModuleOptions)
            + "|-XX:\\+IgnoreUnrecognizedVMOptions|-Dio\\.netty\\.allocator\\.type=pooled|--sun-misc-unsafe-memory-access=allow"
            + "|-Dio\\.netty\\.handler\\.ssl\\.defaultEndpointVerificationAlgorithm=NONE");

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
            boolean connection = option.startsWith("-Dspark.") && connectionSetting(option.substring(2).split("=", 2)[0]);
            if (!connection && !ALLOWED_OPTIONS.matcher(option).matches()) {
                throw new ExecutorLaunch.Refused("the executor's JVM has the option " + option.split("=", 2)[0]
                        + ", which a Veil executor is not started with (it may load code or open the JVM)");
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
                || (key.startsWith("spark.ssl.rpc.") && key.contains("Password"));
    }
}
