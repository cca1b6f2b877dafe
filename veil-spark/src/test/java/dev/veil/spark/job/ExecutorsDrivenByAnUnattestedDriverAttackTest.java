package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.receipt.SignedReceipt;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: the cluster manager (untrusted) starts executors from the measured image, as the contract wants, but points
 * them at a driver of its own, outside any TEE, which ships them a genuine attested driver's statement (statements are
 * not secret: every executor of a genuine job receives one) and then has them attest: both brokers would release to
 * the executors, and the cluster manager's driver would decide what happens to the rows they decrypt. An executor now
 * attests only when its own Spark connections trust exactly the certificate of the attested driver the statement
 * names, so that TLS proved the driver it takes tasks from holds that driver's key; else it fails with
 * {@code driver_not_attested} before it asks either broker. Each case runs the job's attestation stage on a
 * {@code local-cluster} (executors in JVMs of their own) with real brokers that would release.
 */
class ExecutorsDrivenByAnUnattestedDriverAttackTest {
    @TempDir
    static Path tmp;
    private static final ExecutorContract FIXTURE = uncheckedFixture();
    private static ReleasingBrokers brokers;
    private static DriverInstance attested;

    @BeforeAll
    static void brokersAndTheAttestedDriver() throws Exception {
        brokers = new ReleasingBrokers(FIXTURE, tmp);
        attested = new DriverInstance(FIXTURE.signed);
    }

    @AfterAll
    static void close() throws Exception {
        try (ReleasingBrokers b = brokers; DriverInstance driver = attested) {
            // each closed, in reverse order
        }
    }

    @Test
    void aDriverWithoutTlsOnSparksRpcIsRefused() throws Exception {
        assertRefusedUnder("plain RPC", Map.of(), attested.statement());
    }

    /**
     * A driver with a TLS key of its own (an attested driver's, of another contract: the strongest it can have) ships the
     * attested driver's statement; that statement edited to name its own certificate; or its own statement.
     */
    @Test
    void aDriverWithATlsKeyOfItsOwnIsRefusedWhateverStatementItShips() throws Exception {
        try (DriverInstance own = new DriverInstance(new ExecutorContract().signed)) {
            assertRefusedUnder("own TLS key", own.sparkSettings(), attested.statement(),
                    namingTheCertificateOf(attested.statement(), own.statement()), own.statement());
        }
    }

    @Test
    void executorsTrustingAnotherCertificateBesideTheAttestedDriversAreRefused() throws Exception {
        try (DriverInstance own = new DriverInstance(FIXTURE.signed)) {
            Map<String, String> settings = new LinkedHashMap<>(attested.sparkSettings());
            settings.put("spark.ssl.rpc.trustStore", bothTrustStores(attested.sparkSettings(), own.sparkSettings()).toString());
            assertRefusedUnder("two trusted certificates", settings, attested.statement());
        }
    }

    /**
     * The attestation stage, as BatchJob runs it, with each of {@code statements}, on an application started with
     * {@code settings}: every executor refuses, and neither broker released.
     */
    private static void assertRefusedUnder(String name, Map<String, String> settings, byte[]... statements) throws Exception {
        BatchTerms terms = brokers.newJob();
        Path dir = tmp.resolve(name.replace(' ', '-'));
        SparkCluster.Dirs dirs = new SparkCluster.Dirs(dir.resolve("events"), dir.resolve("local"), dir.resolve("executor-tmp"));
        try (SparkSession spark = SparkCluster.start(name, dirs, settings)) {
            Map<String, String> executors = RegisteredExecutors.await(spark.sparkContext(), Duration.ofSeconds(60));
            assertThat(executors).as("the local cluster's executors").hasSize(2);
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            for (byte[] statement : statements) {
                assertThatThrownBy(() -> ExecutorTasks.onEach(sc, executors)
                        .mapPartitions(new InstanceAttestation(terms, statement)).collect())
                        .satisfies(e -> assertThat(PartitionFailure.codeIn(e)).isEqualTo(FailureCode.DRIVER_NOT_ATTESTED));
            }
        }
        assertThat(brokers.modelProviderReleases()).as("the model provider's releases").isZero();
        assertThat(brokers.dataProviderReleases()).as("the data provider's releases").isZero();
    }

    /** {@code statement} with its payload edited to name the TLS certificate {@code other} names (its signature kept). */
    private static byte[] namingTheCertificateOf(byte[] statement, byte[] other) throws Exception {
        SignedReceipt signed = Json.parse(statement, SignedReceipt.class, "driver statement");
        DriverStatement p = Json.parse(signed.payload(), DriverStatement.class, "driver statement");
        String certificate = Json.parse(Json.parse(other, SignedReceipt.class, "driver statement").payload(), DriverStatement.class,
                "driver statement").tlsCertificateSha256();
        DriverStatement edited = new DriverStatement(p.contractHash(), p.modelSha256(), certificate, p.evidenceSha256(), p.issuedAt());
        return Json.canonical(new SignedReceipt(signed.kind(), Json.canonical(edited), signed.signature(), signed.platform(),
                signed.evidence(), signed.collateral(), signed.evidenceNonce(), signed.instanceKeys()));
    }

    /** A trust store holding the certificates of both applications' trust stores. */
    private static Path bothTrustStores(Map<String, String> first, Map<String, String> second) throws Exception {
        KeyStore both = KeyStore.getInstance("PKCS12");
        both.load(null, null);
        int i = 0;
        for (Map<String, String> s : List.of(first, second)) {
            KeyStore one = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(Path.of(s.get("spark.ssl.rpc.trustStore")))) {
                one.load(in, s.get("spark.ssl.rpc.trustStorePassword").toCharArray());
            }
            both.setCertificateEntry("cert-" + i++, one.getCertificate("driver"));
        }
        Path file = tmp.resolve("both-" + System.nanoTime() + ".p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            both.store(out, first.get("spark.ssl.rpc.trustStorePassword").toCharArray());
        }
        return file;
    }

    private static ExecutorContract uncheckedFixture() {
        try {
            return new ExecutorContract();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
