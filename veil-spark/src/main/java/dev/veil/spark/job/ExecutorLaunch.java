package dev.veil.spark.job;

import dev.veil.attest.Platform;
import dev.veil.enclave.inference.InferenceException;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.json.Digests;
import java.security.MessageDigest;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.executor.CoarseGrainedExecutorBackend;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.rpc.RpcEnv;
import scala.Tuple2;
import scala.runtime.AbstractFunction4;

/**
 * A Spark executor started by Veil's launcher ({@code veil batch executor}, the command of the measured executor image):
 * Spark's own executor, which checks its driver before it registers, so before it takes any task. A check made in a
 * task (as {@link DriverConnection} is for executors started otherwise) runs only if the driver sends that task; a
 * driver of the cluster manager's could instead run code of its own on the executor (jars, plugins, Spark SQL's
 * {@code reflect}) that asks the TEE for evidence and the brokers for keys. Here, its JVM's own settings, command line
 * and environment checked first ({@link LaunchedJvm}):
 * <ol>
 *   <li>before Spark starts, the contract, the attested driver's statement and its certificate, from the JVM's start-up
 *       settings, must verify, and Spark's RPC must trust that certificate alone ({@link DriverAtStart}): so the first
 *       thing Spark's executor does, asking its driver for settings, reaches a server holding the attested driver's
 *       key, which runs the measured code;</li>
 *   <li>once Spark built the executor's connections from the driver's answer, before the executor registers: that
 *       configuration must ship no code ({@link CodeShipping}): no jars, files, plugins, agents; its RPC must trust the
 *       driver's certificate alone ({@link DriverConnection}); and the settings the executor was built from must be that
 *       driver's ({@link DriversConfiguration});</li>
 *   <li>once registered, when Spark has set up its block transfer (over which each task's code arrives, as a
 *       broadcast), that too must trust the driver's certificate alone; and every task that brings code with it is
 *       refused: either ends the executor ({@link GuardedExecutorBackend}).</li>
 * </ol>
 * Anything else ends the executor with one line saying why: before it registers, or (at registration, at a task)
 * before it runs any task. It serves its block transfer under a key of its own ({@link ExecutorTlsKey}), never the
 * driver's. The executor then attests, per job, only under that contract and for that statement.
 */
public final class ExecutorLaunch {
    /** The driver this JVM's launcher checked, or null when Veil's launcher did not start this JVM. */
    private static volatile Launched launched;
    /** The root log level before Spark started (the first answer to its settings fetch may change it). */
    private static volatile org.apache.logging.log4j.Level rootLevel;

    private ExecutorLaunch() {
    }

    /**
     * The contract and the driver's statement (its SHA-256) an executor was launched for, and the SHA-256 (hex) of the
     * TLS certificate the statement names.
     */
    record Launched(String contractHash, byte[] statementSha256, String certificateSha256) {
        boolean isFor(ContractVerifier.Verified contract, byte[] statement) {
            return contractHash.equals(contract.hashHex()) && MessageDigest.isEqual(statementSha256, Digests.sha256(statement));
        }
    }

    /** Why the launcher will not run an executor for its driver. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** Carries a refusal through Spark's start-up, which takes no checked exception. */
    private static final class RefusedAtStart extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RefusedAtStart(Refused refused) {
            super(refused.getMessage(), refused);
        }
    }

    /**
     * Runs this JVM as a Spark executor with the arguments a cluster manager gives Spark's executor ({@code --driver-url},
     * {@code --executor-id}, {@code --hostname}, {@code --cores}, {@code --app-id}, ...), checked as the class says;
     * returns when the executor ends. Spark's own settings for the executor's connections (TLS, authentication) come, as
     * for Spark's executor, from {@code -Dspark.*} system properties. Throws when the driver was refused, at the start or
     * later (a task that ships code).
     */
    public static void run(String[] sparkArguments) throws Refused {
        LaunchedJvm.check(List.of(sparkArguments));
        // the driver it may connect to, from its start-up settings, checked before any connection (DriverAtStart)
        DriverAtStart.Checked driver = DriverAtStart.check(System.getProperties(), System.getenv());
        if (driver.contract().contract().enclave().referenceValues().platform() != Platform.SIM) {
            try {
                MemoryBackedDirectory.requireTemporaryDirectory("the executor's temporary directory");
            } catch (MemoryBackedDirectory.NotMemoryBacked e) {
                throw new Refused(e.getMessage());
            }
        }
        // its own TLS key, never the driver's, and a trust store of the attested driver's certificate alone, over any
        // store paths given (files of the driver's host, which this one need not have): start-up settings, whose JVM
        // value is the one Spark keeps
        Path ownKey;
        Path trust;
        try {
            ownKey = ExecutorTlsKey.create();
            trust = DriverCertificate.trustStore(driver.certificate());
        } catch (java.io.IOException e) {
            throw new Refused("cannot write the executor's TLS key and trust stores: " + e.getMessage());
        }
        System.setProperty("spark.ssl.rpc.keyStore", ownKey.toString());
        System.setProperty("spark.ssl.rpc.keyStorePassword", DriverTls.STORE_PASSWORD);
        System.setProperty("spark.ssl.rpc.keyPassword", DriverTls.STORE_PASSWORD);
        System.setProperty("spark.ssl.rpc.keyStoreType", "PKCS12");
        System.setProperty("spark.ssl.rpc.trustStore", trust.toString());
        System.setProperty("spark.ssl.rpc.trustStorePassword", DriverTls.STORE_PASSWORD);
        System.setProperty("spark.ssl.rpc.trustStoreType", "PKCS12");
        DriverAtStart.requireRpcTls(new SparkConf(), ownKey, trust);
        rootLevel = org.apache.logging.log4j.LogManager.getRootLogger().getLevel();
        CoarseGrainedExecutorBackend.Arguments arguments = CoarseGrainedExecutorBackend.parseArguments(sparkArguments,
                "veil batch executor");
        GuardedExecutorBackend[] backend = new GuardedExecutorBackend[1];
        try {
            CoarseGrainedExecutorBackend.run(arguments,
                    new AbstractFunction4<RpcEnv, CoarseGrainedExecutorBackend.Arguments, SparkEnv, ResourceProfile, CoarseGrainedExecutorBackend>() {
                        @Override
                        public CoarseGrainedExecutorBackend apply(RpcEnv rpcEnv, CoarseGrainedExecutorBackend.Arguments a, SparkEnv env,
                                ResourceProfile profile) {
                            try {
                                launched = check(env, a.driverUrl(), profile, driver);
                                BlockUploads.refuseUploadMetadata(env);
                                if (driver.contract().contract().enclave().referenceValues().platform() != Platform.SIM) {
                                    MemoryBackedDirectory.requireSparkLocalDirs(env, "the executor's");
                                }
                            } catch (BlockUploads.NotClosed | MemoryBackedDirectory.NotMemoryBacked e) {
                                throw new RefusedAtStart(new Refused(e.getMessage()));
                            } catch (Refused e) {
                                throw new RefusedAtStart(e);
                            }
                            backend[0] = new GuardedExecutorBackend(rpcEnv, a, env, profile, launched.certificateSha256());
                            return backend[0];
                        }
                    });
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof RefusedAtStart r) {
                    throw (Refused) r.getCause();
                }
            }
            throw e;
        }
        if (backend[0] != null && backend[0].refusal() != null) {
            throw new Refused(backend[0].refusal());
        }
    }

    /**
     * The checks of the class, on the executor's Spark environment as Spark built it from the configuration {@code driver}
     * (checked at the start: {@link DriverAtStart}) answered with.
     */
    static Launched check(SparkEnv env, String driverUrl, ResourceProfile profile, DriverAtStart.Checked driver) throws Refused {
        SparkConf conf = env.conf();
        for (Tuple2<String, String> setting : conf.getAll()) {
            Optional<String> why = CodeShipping.why(setting._1(), setting._2());
            if (why.isPresent()) {
                throw new Refused("the driver's configuration sets " + setting._1() + ", which " + why.get()
                        + ": a Veil executor runs no code but its measured image's");
            }
        }
        String certificate;
        try {
            certificate = DriverConnection.requireAttestedDriverAtStart(driver.contract(), driver.statement(), env);
        } catch (InferenceException e) {
            throw new Refused("the driver is not an attested driver of its contract: " + e.getMessage());
        }
        // the settings checked above came over a connection to the attested driver (DriverAtStart); that the executor's
        // RPC reaches it alone is now checked on the objects Spark built, and the settings are asked for again over it, in
        // case Spark built its first connection otherwise than its settings said
        DriversConfiguration.require(env, driverUrl, profile, rootLevel);
        return new Launched(driver.contract().hashHex(), Digests.sha256(driver.statement()), certificate);
    }

    /** The driver Veil's launcher checked at this JVM's start, if it started this JVM. */
    static Optional<Launched> launched() {
        return Optional.ofNullable(launched);
    }
}
