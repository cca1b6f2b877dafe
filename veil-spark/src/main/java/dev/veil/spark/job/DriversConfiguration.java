package dev.veil.spark.job;

import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.scheduler.cluster.CoarseGrainedClusterMessages;
import scala.Option;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * The configuration a launched executor runs under is its attested driver's ({@link ExecutorLaunch}). Spark's executor
 * fetches the driver's settings over a connection built from its JVM's settings, which {@link DriverAtStart} checked
 * before it connected: TLS trusting the attested driver's certificate alone. This is the second check, on what Spark
 * built, in case Spark built that first connection otherwise than its settings said (another Spark, a setting read
 * differently): once the executor's RPC is known, from its running objects, to trust the attested driver's certificate
 * alone, the settings are asked for again over it, and the executor runs on only if the settings it was built from (all
 * but the connection settings, which its JVM gives and {@link SparkRpcTrust} checks), its resource profile and its I/O
 * encryption key are the driver's; and what else the first answer set is undone or refused (a log level, Hadoop
 * credentials).
 */
final class DriversConfiguration {
    /** Settings Spark's executor sets itself, or its JVM may give it ({@link LaunchedJvm}), beside the driver's. */
    private static final Set<String> OWN = Set.of("spark.app.id", "spark.executor.id", "spark.authenticate.secret");

    private DriversConfiguration() {
    }

    /**
     * Refuses unless {@code env}, built for {@code driverUrl} with {@code profile}, runs under its driver's own settings;
     * sets the root log level back to {@code rootLevel} (the one before Spark started), or to the driver's.
     */
    static void require(SparkEnv env, String driverUrl, ResourceProfile profile, org.apache.logging.log4j.Level rootLevel)
            throws ExecutorLaunch.Refused {
        if (profile.id() != ResourceProfile.DEFAULT_RESOURCE_PROFILE_ID() || !profile.getCustomExecutorResources().isEmpty()) {
            throw new ExecutorLaunch.Refused("the executor was given a resource profile of its own: a Veil job runs the default one");
        }
        CoarseGrainedClusterMessages.SparkAppConfig driver;
        try {
            driver = env.rpcEnv().setupEndpointRefByURI(driverUrl).askSync(
                    new CoarseGrainedClusterMessages.RetrieveSparkAppConfig(profile.id()),
                    ClassTag$.MODULE$.apply(CoarseGrainedClusterMessages.SparkAppConfig.class));
        } catch (RuntimeException e) {
            throw new ExecutorLaunch.Refused("the attested driver does not answer for its settings: " + e.getMessage());
        }
        Map<String, String> drivers = new HashMap<>();
        for (Tuple2<String, String> kv : scala.jdk.javaapi.CollectionConverters.asJava(driver.sparkProperties())) {
            drivers.put(kv._1(), kv._2());
        }
        SparkConf conf = env.conf();
        // the application id comes from the cluster manager's --app-id; where the driver names its own, they are one
        String appId = drivers.get("spark.app.id");
        if (appId != null && !appId.equals(conf.get("spark.app.id", null))) {
            throw new ExecutorLaunch.Refused("the executor's application id is not the attested driver's");
        }
        for (Tuple2<String, String> kv : conf.getAll()) {
            String key = kv._1();
            if (SparkConf.isExecutorStartupConf(key) || OWN.contains(key)) {
                continue;
            }
            if (!kv._2().equals(drivers.remove(key))) {
                throw new ExecutorLaunch.Refused("the executor's setting " + key + " is not the attested driver's");
            }
        }
        for (String key : drivers.keySet()) {
            if (!SparkConf.isExecutorStartupConf(key) && !OWN.contains(key)) {
                throw new ExecutorLaunch.Refused("the executor lacks the attested driver's setting " + key);
            }
        }
        if (!profile.equals(driver.resourceProfile())) {
            throw new ExecutorLaunch.Refused("the executor's resource profile is not the attested driver's");
        }
        if (!sameKey(env.securityManager().getIOEncryptionKey(), driver.ioEncryptionKey())) {
            throw new ExecutorLaunch.Refused("the executor's I/O encryption key is not the attested driver's");
        }
        // what the first answer did beside the settings: Hadoop credentials added to this process (a Veil driver sends
        // none), and a log level set (which could have the executor log its rows): the driver's, or the one it had
        try {
            org.apache.hadoop.security.Credentials held = org.apache.hadoop.security.UserGroupInformation.getCurrentUser().getCredentials();
            if (driver.hadoopDelegationCreds().isDefined() || held.numberOfTokens() != 0 || held.numberOfSecretKeys() != 0) {
                throw new ExecutorLaunch.Refused("the executor was given Hadoop credentials: a Veil driver gives none");
            }
        } catch (java.io.IOException e) {
            throw new ExecutorLaunch.Refused("the executor's Hadoop user cannot be read: " + e.getMessage());
        }
        org.apache.logging.log4j.core.config.Configurator.setRootLevel(rootLevel);
        if (driver.logLevel().isDefined()) {
            org.apache.spark.util.Utils.setLogLevelIfNeeded(driver.logLevel().get());
        }
    }

    private static boolean sameKey(Option<byte[]> a, Option<byte[]> b) {
        return a.isDefined() == b.isDefined() && (a.isEmpty() || MessageDigest.isEqual(a.get(), b.get()));
    }
}
