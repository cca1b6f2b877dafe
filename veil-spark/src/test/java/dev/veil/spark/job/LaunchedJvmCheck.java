package dev.veil.spark.job;

import java.util.List;
import java.util.Map;
import java.util.Properties;

/** {@link LaunchedJvm#check}, the check a launched executor makes of its own JVM, for tests outside this package. */
public final class LaunchedJvmCheck {
    private LaunchedJvmCheck() {
    }

    /** Refuses, naming it, the first thing of a JVM so started that the cluster manager may not give it. */
    public static void check(Properties systemProperties, List<String> jvmOptions, Map<String, String> environment,
            List<String> sparkArguments) throws ExecutorLaunch.Refused {
        LaunchedJvm.check(systemProperties, jvmOptions, environment, sparkArguments);
    }
}
