package dev.veil.spark.job;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.security.MessageDigest;
import java.time.Instant;
import java.nio.file.Path;
import java.util.Base64;
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
 * {@code reflect}) that asks the TEE for evidence and the brokers for keys. Here, after Spark fetched the driver's
 * configuration and built the executor's connections from it, and before the executor registers (its JVM's own
 * settings, command line and environment having been checked first: {@link LaunchedJvm}):
 * <ol>
 *   <li>the driver's configuration must ship no code ({@link CodeShipping}): no jars, files, plugins, agents;</li>
 *   <li>it must carry a contract that verifies, and a statement of an attested driver of that contract whose TLS
 *       certificate is the only one this executor's connections trust ({@link DriverConnection}): so TLS proves that the
 *       driver it will take tasks from holds the attested driver's key, and that driver runs the measured code; and
 *       the settings the executor was built from are that driver's ({@link DriversConfiguration});</li>
 *   <li>once registered, when Spark has set up its block transfer (over which each task's code arrives, as a
 *       broadcast), that too must trust the driver's certificate alone; and every task that brings code with it is
 *       refused: either ends the executor ({@link GuardedExecutorBackend}).</li>
 * </ol>
 * Anything else ends the executor with one line saying why: before it registers, or (at registration, at a task)
 * before it runs any task. It serves its block transfer under a key of its own ({@link ExecutorTlsKey}), never the
 * driver's. The executor then attests, per job, only under that contract and for that statement.
 */
public final class ExecutorLaunch {
    static final String CONTRACT_SETTING = "spark.veil.driver.contract";
    static final String STATEMENT_SETTING = "spark.veil.driver.statement";
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
        // its own TLS key, never the driver's (a start-up setting: the JVM's value is the one Spark keeps)
        try {
            Path ownKey = ExecutorTlsKey.create();
            System.setProperty("spark.ssl.rpc.keyStore", ownKey.toString());
            System.setProperty("spark.ssl.rpc.keyStorePassword", DriverTls.STORE_PASSWORD);
            System.setProperty("spark.ssl.rpc.keyPassword", DriverTls.STORE_PASSWORD);
            System.setProperty("spark.ssl.rpc.keyStoreType", "PKCS12");
        } catch (java.io.IOException e) {
            throw new Refused("cannot write the executor's own TLS key: " + e.getMessage());
        }
        // and its trust, written from the driver's certificate when the driver's start-up settings carry it, over any
        // trust store path given (a file of the driver's host, which this one need not have): checked against the
        // attested driver's statement before the executor registers
        String driverCertificate = System.getProperty(DriverCertificate.SETTING);
        if (driverCertificate != null) {
            try {
                Path trust = DriverCertificate.trustStore(DriverCertificate.parse(driverCertificate));
                System.setProperty("spark.ssl.rpc.trustStore", trust.toString());
                System.setProperty("spark.ssl.rpc.trustStorePassword", DriverTls.STORE_PASSWORD);
                System.setProperty("spark.ssl.rpc.trustStoreType", "PKCS12");
            } catch (java.io.IOException e) {
                throw new Refused("cannot write the executor's trust store: " + e.getMessage());
            }
        }
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
                                launched = check(env, a.driverUrl(), profile);
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

    /** The checks of the class, on the executor's Spark environment as Spark built it from the driver's configuration. */
    static Launched check(SparkEnv env, String driverUrl, ResourceProfile profile) throws Refused {
        SparkConf conf = env.conf();
        for (Tuple2<String, String> setting : conf.getAll()) {
            Optional<String> why = CodeShipping.why(setting._1(), setting._2());
            if (why.isPresent()) {
                throw new Refused("the driver's configuration sets " + setting._1() + ", which " + why.get()
                        + ": a Veil executor runs no code but its measured image's");
            }
        }
        if (!conf.contains(CONTRACT_SETTING) || !conf.contains(STATEMENT_SETTING)) {
            throw new Refused("the driver names no contract and no attested driver's statement: it is not a driver 'veil batch' started");
        }
        ContractVerifier.Verified contract;
        byte[] statement;
        try {
            contract = ContractVerifier.verify(Json.parse(Base64.getDecoder().decode(conf.get(CONTRACT_SETTING)), SignedContract.class,
                    "contract"), Instant.now());
            statement = Base64.getDecoder().decode(conf.get(STATEMENT_SETTING));
        } catch (ProtocolException | IllegalArgumentException e) {
            throw new Refused("the driver's contract does not verify: " + e.getMessage());
        }
        String certificate;
        try {
            certificate = DriverConnection.requireAttestedDriverAtStart(contract, statement, env);
        } catch (InferenceException e) {
            throw new Refused("the driver is not an attested driver of its contract: " + e.getMessage());
        }
        // the settings checked above came over a connection the executor's JVM settings alone built: now that its RPC is
        // known to reach the attested driver only, they must be that driver's
        DriversConfiguration.require(env, driverUrl, profile, rootLevel);
        return new Launched(contract.hashHex(), Digests.sha256(statement), certificate);
    }

    /** The driver Veil's launcher checked at this JVM's start, if it started this JVM. */
    static Optional<Launched> launched() {
        return Optional.ofNullable(launched);
    }
}
