package dev.veil.spark.job;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.io.File;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.SSLOptions;
import org.apache.spark.SecurityManager;
import org.apache.spark.SecurityManager$;
import org.apache.spark.SparkConf;
import scala.Option;

/**
 * The driver a launched executor may connect to, known and checked before it connects ({@link ExecutorLaunch}).
 * Spark's executor asks its driver for the application's settings first thing, over a connection built from its JVM's
 * settings alone, and deserializes the answer (Java serialization) before any check of Veil's can run: whoever answers
 * there chooses the objects the executor builds, and the settings it builds its environment from. So the driver puts
 * its contract, its signed statement and its TLS certificate in start-up settings ({@code spark.ssl.*}, which every
 * cluster manager passes to the executor's JVM as {@code -D}; none is secret), and before Spark starts:
 * <ol>
 *   <li>the contract verifies, is between the two providers this executor was deployed for and for the TEE it was
 *       deployed on, which its environment names ({@link #PROVIDERS_ENVIRONMENT}, {@link #PLATFORM_ENVIRONMENT}; a
 *       confidential container's policy pins them, so the cluster manager cannot change them), and the statement
 *       verifies for it (as {@link DriverConnection} checks it: signed by a
 *       key the contract's measurement attested);</li>
 *   <li>the certificate is the one the statement names;</li>
 *   <li>the connection Spark will build from this JVM's settings, read through Spark's own parser, runs TLS through the
 *       JDK's trust manager over the trust store written from that certificate alone ({@link #requireRpcTls}).</li>
 * </ol>
 * So the first answer comes from a server that holds the attested driver's key. The cluster manager, which writes the
 * executor's command line, can name another contract, statement or certificate: the executor then exits before it
 * opens any connection. Evidence of the simulated TEE can be made by anyone, so with a simulated contract this holds
 * only as far as the environment is not the cluster manager's.
 */
public final class DriverAtStart {
    /** The signed contract (canonical JSON), base64: a start-up setting, so Spark passes it to executors as it is. */
    static final String CONTRACT_SETTING = "spark.ssl.veil.contract";
    /** The attested driver's signed statement (canonical JSON), base64: a start-up setting likewise. */
    static final String STATEMENT_SETTING = "spark.ssl.veil.driverStatement";

    private DriverAtStart() {
    }

    /** The contract, the statement of its attested driver, and the certificate that statement names. */
    record Checked(ContractVerifier.Verified contract, byte[] statement, X509Certificate certificate, String certificateSha256) {
    }

    /**
     * The environment variable that names the two providers this executor was deployed for: the model provider's full
     * fingerprint, a comma, the data provider's (64 hex digits each, whose first 20 are the fingerprint people compare;
     * {@code veil batch pins} prints the value). The contract must be theirs.
     */
    public static final String PROVIDERS_ENVIRONMENT = "VEIL_BATCH_PROVIDERS";

    /**
     * The environment variable that names the TEE this executor was deployed on ({@code snp}, {@code tdx}, {@code sgx},
     * {@code nitro}, or {@code sim}): the contract must be for it, so that a simulated contract between the same
     * providers (whose evidence anyone can make) is not served on hardware.
     */
    public static final String PLATFORM_ENVIRONMENT = "VEIL_BATCH_PLATFORM";

    /** The value of {@link #PROVIDERS_ENVIRONMENT} for {@code contract}'s providers. */
    public static String providers(ContractVerifier.Verified contract) {
        return contract.contract().modelProvider().fullFingerprint() + "," + contract.contract().dataProvider().fullFingerprint();
    }

    /** The value of {@link #PLATFORM_ENVIRONMENT} for {@code contract}'s TEE. */
    public static String platform(ContractVerifier.Verified contract) {
        return contract.contract().enclave().referenceValues().platform().id();
    }

    /**
     * The driver this JVM's start-up settings ({@code jvm}, its system properties) name, checked as items 1 and 2 say,
     * for the providers and the TEE its {@code environment} names ({@link #PROVIDERS_ENVIRONMENT},
     * {@link #PLATFORM_ENVIRONMENT}).
     */
    static Checked check(Properties jvm, Map<String, String> environment) throws ExecutorLaunch.Refused {
        String contractSetting = jvm.getProperty(CONTRACT_SETTING);
        String statementSetting = jvm.getProperty(STATEMENT_SETTING);
        if (contractSetting == null || statementSetting == null) {
            throw new ExecutorLaunch.Refused("the driver names no contract and no attested driver's statement: it is not a driver "
                    + "'veil batch' started (" + CONTRACT_SETTING + " and " + STATEMENT_SETTING + " must be start-up settings)");
        }
        ContractVerifier.Verified contract;
        byte[] statement;
        try {
            contract = ContractVerifier.verify(Json.parse(Base64.getDecoder().decode(contractSetting), SignedContract.class,
                    "contract"), Instant.now());
            statement = Base64.getDecoder().decode(statementSetting);
        } catch (ProtocolException | IllegalArgumentException e) {
            throw new ExecutorLaunch.Refused("the driver's contract does not verify: " + e.getMessage());
        }
        // anyone can sign a contract, and have a driver of its own attested under it (its own code on its own TEE, or
        // evidence of the simulated TEE): only the providers' signatures make it one this executor may serve
        String pinned = environment.get(PROVIDERS_ENVIRONMENT);
        if (pinned == null) {
            throw new ExecutorLaunch.Refused("the executor's environment does not name its providers (" + PROVIDERS_ENVIRONMENT
                    + "=<model provider's full fingerprint>,<data provider's>, as 'veil batch pins' prints it): the deployment pins them");
        }
        if (!MessageDigest.isEqual(pinned.getBytes(StandardCharsets.US_ASCII), providers(contract).getBytes(StandardCharsets.US_ASCII))) {
            throw new ExecutorLaunch.Refused("the driver's contract is not between the providers this executor was deployed for ("
                    + PROVIDERS_ENVIRONMENT + ")");
        }
        String platform = platform(contract);
        if (!platform.equals(environment.get(PLATFORM_ENVIRONMENT))) {
            throw new ExecutorLaunch.Refused(environment.get(PLATFORM_ENVIRONMENT) == null
                    ? "the executor's environment does not name its TEE (" + PLATFORM_ENVIRONMENT + "=snp|tdx|sgx|nitro|sim): the deployment pins it"
                    : "the driver's contract is for the " + platform + " TEE, not the one this executor was deployed on ("
                            + PLATFORM_ENVIRONMENT + ")");
        }
        String named;
        try {
            named = DriverConnection.verifiedStatement(contract, statement).tlsCertificateSha256();
        } catch (InferenceException e) {
            throw new ExecutorLaunch.Refused("the driver is not an attested driver of its contract: " + e.getMessage());
        }
        String certificateSetting = jvm.getProperty(DriverCertificate.SETTING);
        if (certificateSetting == null) {
            throw new ExecutorLaunch.Refused("the driver's start-up settings carry no certificate (" + DriverCertificate.SETTING + ")");
        }
        X509Certificate certificate = DriverCertificate.parse(certificateSetting);
        if (!DriverConnection.sameDigest(certificate, named)) {
            throw new ExecutorLaunch.Refused("the driver's certificate (" + DriverCertificate.SETTING
                    + ") is not the one the attested driver's statement names");
        }
        return new Checked(contract, statement, certificate, named);
    }

    /**
     * Item 3: the RPC that Spark's executor builds from {@code jvm} (this JVM's {@code spark.*} settings, read as Spark
     * reads them for its first connection) runs TLS with {@code keyStore} as its own key, {@code trustStore} as its only
     * trust, read once, through the JDK's TLS (not OpenSSL's, not PEM files): the shape {@link SparkRpcTrust} checks
     * again on the objects Spark built.
     */
    static void requireRpcTls(SparkConf jvm, Path keyStore, Path trustStore) throws ExecutorLaunch.Refused {
        SecurityManager security;
        try {
            security = new SecurityManager(jvm, Option.empty(), SecurityManager$.MODULE$.$lessinit$greater$default$3());
        } catch (RuntimeException e) {
            // a setting Spark cannot read (spark.ssl.rpc.enabled=yes): Spark's own executor would fail at it too
            throw new ExecutorLaunch.Refused("the executor's JVM gives Spark security settings it cannot read: " + e.getMessage());
        }
        SSLOptions rpc = security.getRpcSSLOptions();
        if (!security.isSslRpcEnabled() || !rpc.enabled()) {
            throw new ExecutorLaunch.Refused("the executor's JVM does not enable TLS for Spark's RPC (spark.ssl.rpc.enabled): it "
                    + "would ask its driver for settings over a connection anyone could answer");
        }
        if (rpc.openSslEnabled() || rpc.privateKey().isDefined() || rpc.certChain().isDefined()) {
            throw new ExecutorLaunch.Refused("the executor's JVM sets Spark's RPC TLS to OpenSSL or PEM files: a Veil executor "
                    + "runs the JDK's TLS over the trust store it writes");
        }
        if (rpc.trustStoreReloadingEnabled()) {
            throw new ExecutorLaunch.Refused("the executor's JVM has Spark reload its trust store: a Veil executor reads it once");
        }
        if (!isFile(rpc.trustStore(), trustStore) || !isFile(rpc.keyStore(), keyStore)) {
            throw new ExecutorLaunch.Refused("Spark's RPC would not use the key and trust stores this executor wrote");
        }
    }

    private static boolean isFile(Option<File> named, Path expected) {
        return named.isDefined() && named.get().toPath().toAbsolutePath().normalize().equals(expected.toAbsolutePath().normalize());
    }
}
