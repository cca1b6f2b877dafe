package dev.veil.spark.job;

import java.util.List;
import java.util.Map;
import java.util.Properties;

/** The checks a launched executor makes of its own JVM and start-up settings, for tests outside this package. */
public final class LaunchedJvmCheck {
    private LaunchedJvmCheck() {
    }

    /** Refuses, naming it, the first thing of a JVM so started that the cluster manager may not give it. */
    public static void check(Properties systemProperties, List<String> jvmOptions, Map<String, String> environment,
            List<String> sparkArguments) throws ExecutorLaunch.Refused {
        LaunchedJvm.check(systemProperties, jvmOptions, environment, sparkArguments);
    }

    /**
     * The check a launched executor then makes before it connects to its driver ({@link DriverAtStart#check}): the
     * contract, statement and certificate of its start-up settings, against the pins of its environment.
     */
    public static void driverAtStart(Properties systemProperties, Map<String, String> environment) throws ExecutorLaunch.Refused {
        DriverAtStart.check(systemProperties, environment);
    }
}
