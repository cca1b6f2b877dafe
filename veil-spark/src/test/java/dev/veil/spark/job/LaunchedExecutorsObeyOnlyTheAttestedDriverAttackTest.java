package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.zip.ZipOutputStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: the cluster manager (untrusted) or the operator's driver configuration gets code of its own run on executors
 * started from the measured image, beside the rows their instances decrypt. A check made in a task runs only if the
 * driver sends that task (ExecutorsDrivenByAnUnattestedDriverAttackTest): a driver of the cluster manager's own would
 * instead have the executors run its code (a plugin, a jar, Spark SQL's reflect) that asks the TEE for evidence and the
 * brokers for keys. Executors started by Veil's launcher ({@code veil batch executor}, {@link ExecutorLaunch}) check the
 * driver before they register, so before any task: each case starts them as a cluster manager would, against a
 * driver whose cluster has no workers of its own, with brokers that would release.
 */
class LaunchedExecutorsObeyOnlyTheAttestedDriverAttackTest {
    private static final long START_SECONDS = 120;
    /** The driver's setting of the executor environment variable that names the providers ({@link DriverAtStart}). */
    private static final String PROVIDERS = "spark.executorEnv." + DriverAtStart.PROVIDERS_ENVIRONMENT;
    @TempDir
    static Path tmp;
    private static ReleasingBrokers brokers;
    private static DriverInstance attested;

    @BeforeAll
    static void brokersAndTheAttestedDriver() throws Exception {
        brokers = new ReleasingBrokers(new ExecutorContract(), tmp);
        attested = new DriverInstance(brokers.fixture.signed);
    }

    @AfterAll
    static void close() throws Exception {
        try (ReleasingBrokers b = brokers; DriverInstance driver = attested) {
            // each closed, in reverse order
        }
    }

    /** The control: the attested driver's executors register, and its attestation stage gets both brokers' keys. */
    @Test
    void theAttestedDriversExecutorsRegisterAndAttest() throws Exception {
        long mp = brokers.modelProviderReleases();
        long dp = brokers.dataProviderReleases();
        try (SparkSession spark = session("attested", attested.sparkSettings());
             LaunchedExecutor one = launch(spark, "1", attested.sparkSettings());
             LaunchedExecutor two = launch(spark, "2", attested.sparkSettings())) {
            Map<String, String> executors = registered(spark, one, two);
            ExecutorTasks.onEach(JavaSparkContext.fromSparkContext(spark.sparkContext()), executors)
                    .mapPartitions(new InstanceAttestation(brokers.newJob(), attested.statement())).collect();
        }
        assertThat(brokers.modelProviderReleases() - mp).as("the model provider's releases").isEqualTo(2);
        assertThat(brokers.dataProviderReleases() - dp).as("the data provider's releases").isEqualTo(2);
    }

    /**
     * The cluster manager's own driver, with a TLS key of its own (the executors' trust store is the cluster manager's to
     * give), shows the attested driver's contract and statement (neither is secret): the executor's connections trust a
     * certificate the statement does not name, so it exits before it connects.
     */
    @Test
    void aDriverOfTheClusterManagersOwnShowingTheAttestedDriversStatementIsRefusedBeforeRegistering() throws Exception {
        try (DriverInstance own = new DriverInstance(new ExecutorContract().signed)) {
            Map<String, String> settings = new LinkedHashMap<>(own.sparkSettings());
            settings.put(DriverAtStart.CONTRACT_SETTING, attested.sparkSettings().get(DriverAtStart.CONTRACT_SETTING));
            settings.put(DriverAtStart.STATEMENT_SETTING, attested.sparkSettings().get(DriverAtStart.STATEMENT_SETTING));
            settings.put(PROVIDERS, attested.sparkSettings().get(PROVIDERS));
            assertRefusedAtStart("own driver", settings, "is not the one the attested driver's statement names");
        }
    }

    /** A driver that names no contract and no statement (Spark's own, with TLS of its own): refused before registering. */
    @Test
    void aDriverThatNamesNoAttestedDriverIsRefusedBeforeRegistering() throws Exception {
        try (DriverInstance own = new DriverInstance(new ExecutorContract().signed)) {
            Map<String, String> settings = new LinkedHashMap<>(own.sparkSettings());
            settings.remove(DriverAtStart.CONTRACT_SETTING);
            settings.remove(DriverAtStart.STATEMENT_SETTING);
            assertRefusedAtStart("no statement", settings, "names no contract");
        }
    }

    /** The attested driver, started by an operator whose Spark configuration ships a jar: refused before registering. */
    @Test
    void anAttestedDriverWhoseConfigurationShipsAJarIsRefusedBeforeRegistering() throws Exception {
        Path jar = tmp.resolve("operator.jar");
        new ZipOutputStream(Files.newOutputStream(jar)).close();
        Map<String, String> settings = new LinkedHashMap<>(attested.sparkSettings());
        settings.put("spark.jars", jar.toUri().toString());
        assertRefusedAtStart("shipped jar", settings, "names code the executors would fetch or load");
    }

    /**
     * The cluster manager, which writes the executor's command line, adds Spark settings the attested driver does not
     * send (so that the executor keeps them): a jar to load when the executor is made, a class to make its shuffle
     * manager; or a JVM option that has the inference workers load its native libraries. Each refused before Spark starts.
     */
    @Test
    void settingsAndOptionsOfTheClusterManagersOwnOnTheExecutorsCommandLineAreRefused() throws Exception {
        Path jar = tmp.resolve("cluster-manager.jar");
        new ZipOutputStream(Files.newOutputStream(jar)).close();
        assertRefusedAtStart("initial jar", attested.sparkSettings(), List.of("-Dspark.app.initial.jar.urls=" + jar.toUri()),
                "the executor's JVM sets spark.app.initial.jar.urls");
        assertRefusedAtStart("shuffle manager", attested.sparkSettings(),
                List.of("-Dspark.shuffle.manager=org.apache.spark.shuffle.sort.SortShuffleManager"),
                "the executor's JVM sets spark.shuffle.manager");
        assertRefusedAtStart("native path", attested.sparkSettings(), List.of("-Donnxruntime.native.path=" + tmp),
                "the executor's JVM has the option -Donnxruntime.native.path");
    }

    /**
     * The cluster manager, which gives the executor its {@code --app-id}, names another application's: the executor's
     * block manager and metrics would run under an id the attested driver did not give. Refused before registering.
     */
    @Test
    void anApplicationIdOfTheClusterManagersOwnIsRefusedBeforeRegistering() throws Exception {
        long mp = brokers.modelProviderReleases();
        try (SparkSession spark = session("other app id", attested.sparkSettings());
             LaunchedExecutor executor = LaunchedExecutor.start("spark://CoarseGrainedScheduler@127.0.0.1:"
                     + spark.sparkContext().getConf().get("spark.driver.port"), "app-of-the-cluster-manager", "1",
                     LaunchedExecutor.startupSettings(attested.sparkSettings()), List.of(), tmp.resolve("executor-app-id"))) {
            assertThat(executor.exitWithin(START_SECONDS)).as("the executor's exit code; its output:\n" + executor.output()).isEqualTo(2);
            assertThat(executor.output()).contains("veil: this executor stopped: ")
                    .contains("application id is not the attested driver's");
            assertThat(spark.sparkContext().getExecutorMemoryStatus().size()).as("block managers: the driver's only").isEqualTo(1);
        }
        assertThat(brokers.modelProviderReleases() - mp).as("the model provider's releases").isZero();
    }

    /**
     * The cluster manager, which names the executor's driver and writes its command line, points it at a server of its
     * own: Spark's executor asks there for the application's settings first thing, and deserializes the answer, before
     * any check on what Spark built could run. The start-up settings make the executor trust that server: a certificate
     * of the cluster manager's beside the attested driver's contract and statement (neither is secret); a contract,
     * statement and certificate all of its own, the executor's environment naming the attested contract's providers
     * (a deployment pins it); no providers named; the attested contract, simulated, on an executor deployed on SNP; the attested
     * driver's settings with RPC TLS off (Spark's authentication alone then, by a secret the cluster manager holds);
     * with OpenSSL's TLS; with a trust store reloaded from its file. Each time the executor exits with one line before
     * it opens any connection: the server never sees one.
     */
    @Test
    void aServerOfTheClusterManagersOwnAtTheDriversAddressIsNeverConnectedTo() throws Exception {
        Map<String, String> attestedStartup = LaunchedExecutor.startupSettings(attested.sparkSettings());
        try (DriverInstance own = new DriverInstance(new ExecutorContract().signed)) {
            Map<String, String> ownCertificate = new LinkedHashMap<>(LaunchedExecutor.startupSettings(own.sparkSettings()));
            ownCertificate.put(DriverAtStart.CONTRACT_SETTING, attestedStartup.get(DriverAtStart.CONTRACT_SETTING));
            ownCertificate.put(DriverAtStart.STATEMENT_SETTING, attestedStartup.get(DriverAtStart.STATEMENT_SETTING));
            ownCertificate.put(PROVIDERS, attestedStartup.get(PROVIDERS));
            assertNeverConnected("own certificate", port -> ownCertificate, "is not the one the attested driver's statement names");
            // a whole driver of its own: a contract it had signed, a statement of a driver attested under it (evidence of
            // the simulated TEE, which anyone can make), that driver's certificate; the environment the deployment pinned
            // still names the attested contract's providers
            Map<String, String> ownContract = new LinkedHashMap<>(LaunchedExecutor.startupSettings(own.sparkSettings()));
            ownContract.put(PROVIDERS, attestedStartup.get(PROVIDERS));
            assertNeverConnected("own contract", port -> ownContract, "not between the providers this executor was deployed for");
        }
        // a simulated contract between the same providers (simulated evidence anyone can make), on an executor deployed
        // on an SNP TEE
        Map<String, String> onHardware = new LinkedHashMap<>(attestedStartup);
        onHardware.put("spark.executorEnv." + DriverAtStart.PLATFORM_ENVIRONMENT, "snp");
        assertNeverConnected("simulated contract on hardware", port -> onHardware, "for the sim TEE, not the one this executor was deployed on");
        Map<String, String> noProviders = new LinkedHashMap<>(attestedStartup);
        noProviders.remove(PROVIDERS);
        assertNeverConnected("no providers", port -> noProviders, "does not name its providers");
        Map<String, String> noTls = new LinkedHashMap<>(attestedStartup);
        noTls.remove("spark.ssl.rpc.enabled");
        assertNeverConnected("no TLS", port -> noTls, "does not enable TLS for Spark's RPC");
        Map<String, String> openSsl = new LinkedHashMap<>(attestedStartup);
        openSsl.put("spark.ssl.rpc.openSslEnabled", "true");
        assertNeverConnected("OpenSSL", port -> openSsl, "OpenSSL or PEM files");
        Map<String, String> reloading = new LinkedHashMap<>(attestedStartup);
        reloading.put("spark.ssl.rpc.trustStoreReloadingEnabled", "true");
        assertNeverConnected("reloading", port -> reloading, "reload its trust store");
    }

    /**
     * The cluster manager configures Log4j from the executor's environment or command line ({@code LOG4J_*}, {@code
     * -Dlog4j2.*}), which Log4j reads as it starts, before any check of Veil's: a configuration fetched from its server
     * (appenders that send every log line there, classes instantiated by name). The launcher exits with one line before
     * the first logger exists: its server never sees a connection.
     */
    @Test
    void aLogConfigurationOfTheClusterManagersOwnIsNeverFetched() throws Exception {
        Map<String, String> attestedStartup = LaunchedExecutor.startupSettings(attested.sparkSettings());
        assertNeverConnected("log4j environment", port -> {
            Map<String, String> s = new LinkedHashMap<>(attestedStartup);
            s.put("spark.executorEnv.LOG4J_CONFIGURATION_FILE", "https://127.0.0.1:" + port + "/log4j2.xml");
            return s;
        }, "the environment variable LOG4J_CONFIGURATION_FILE configures Log4j");
        assertNeverConnected("log4j property", port -> {
            Map<String, String> s = new LinkedHashMap<>(attestedStartup);
            s.put("log4j2.configurationFile", "https://127.0.0.1:" + port + "/log4j2.xml");
            return s;
        }, "the system property log4j2.configurationFile configures Log4j");
    }

    /** A file added to the attested driver's application after its executors registered: its first task ends them. */
    @Test
    void aTaskThatBringsAFileEndsTheExecutorBeforeItRuns() throws Exception {
        long mp = brokers.modelProviderReleases();
        Path file = Files.writeString(tmp.resolve("operator-file.sh"), "echo rows\n");
        try (SparkSession spark = session("added file", attested.sparkSettings());
             LaunchedExecutor one = launch(spark, "1", attested.sparkSettings());
             LaunchedExecutor two = launch(spark, "2", attested.sparkSettings())) {
            Map<String, String> executors = registered(spark, one, two);
            spark.sparkContext().addFile(file.toString());
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            CompletableFuture<Object> stage = CompletableFuture.supplyAsync(() -> ExecutorTasks.onEach(sc, executors)
                    .mapPartitions(new InstanceAttestation(brokers.newJob(), attested.statement())).collect());
            for (LaunchedExecutor e : new LaunchedExecutor[] {one, two}) {
                assertThat(e.exitWithin(START_SECONDS)).as("the executor's exit code; its output:\n" + e.output()).isEqualTo(2);
                assertThat(e.output()).contains("veil: this executor stopped: a task ships files");
            }
            spark.sparkContext().cancelAllJobs();
            stage.handle((r, t) -> r);
        }
        assertThat(brokers.modelProviderReleases() - mp).as("the model provider's releases").isZero();
    }

    /** Launched executors against a driver started with {@code settings} exit with one line naming {@code why}, unregistered. */
    private static void assertRefusedAtStart(String name, Map<String, String> settings, String why) throws Exception {
        assertRefusedAtStart(name, settings, List.of(), why);
    }

    /** As {@link #assertRefusedAtStart(String, Map, String)}, the executor's JVM given {@code jvmOptions} besides. */
    private static void assertRefusedAtStart(String name, Map<String, String> settings, List<String> jvmOptions, String why)
            throws Exception {
        long mp = brokers.modelProviderReleases();
        long dp = brokers.dataProviderReleases();
        try (SparkSession spark = session(name, settings);
             LaunchedExecutor executor = LaunchedExecutor.start(spark.sparkContext(), "1", LaunchedExecutor.startupSettings(settings),
                     jvmOptions, tmp.resolve("executor-" + System.nanoTime()))) {
            assertThat(executor.exitWithin(START_SECONDS)).as("the executor's exit code; its output:\n" + executor.output()).isEqualTo(2);
            assertThat(executor.output()).contains("veil: this executor stopped: ").contains(why);
            assertThat(spark.sparkContext().getExecutorMemoryStatus().size()).as("block managers: the driver's only").isEqualTo(1);
        }
        assertThat(brokers.modelProviderReleases() - mp).as("the model provider's releases").isZero();
        assertThat(brokers.dataProviderReleases() - dp).as("the data provider's releases").isZero();
    }

    /**
     * An executor launched with the start-up settings {@code startupForPort} gives for the port of a listener of the
     * cluster manager's, against that listener, exits with one line naming {@code why}, and the listener accepted no
     * connection.
     */
    private static void assertNeverConnected(String name, IntFunction<Map<String, String>> startupForPort, String why) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Map<String, String> startup = startupForPort.apply(listener.getLocalPort());
            AtomicInteger connections = new AtomicInteger();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        listener.accept().close();
                        connections.incrementAndGet();
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            }, "cluster-manager-listener");
            acceptor.setDaemon(true);
            acceptor.start();
            try (LaunchedExecutor executor = LaunchedExecutor.start("spark://CoarseGrainedScheduler@127.0.0.1:" + listener.getLocalPort(),
                    "app-of-the-cluster-manager", "1", startup, List.of(), tmp.resolve("executor-" + name.replace(' ', '-')))) {
                assertThat(executor.exitWithin(START_SECONDS)).as(name + ": the executor's exit code; its output:\n" + executor.output())
                        .isEqualTo(2);
                assertThat(executor.output()).as(name).contains("veil: ").contains(why);
            }
            assertThat(connections.get()).as(name + ": connections the cluster manager's server accepted").isZero();
        }
    }

    /** Both executors, once registered with the driver of {@code spark}. */
    private static Map<String, String> registered(SparkSession spark, LaunchedExecutor one, LaunchedExecutor two) throws Exception {
        Map<String, String> executors;
        try {
            executors = RegisteredExecutors.await(spark.sparkContext(), Duration.ofSeconds(START_SECONDS));
        } catch (java.io.IOException e) {
            throw new AssertionError(e.getMessage() + "; the executors' output:\n" + one.output() + two.output(), e);
        }
        assertThat(executors).as("executors registered; their output:\n" + one.output() + two.output()).hasSize(2);
        return executors;
    }

    private static SparkSession session(String name, Map<String, String> settings) {
        Path dir = tmp.resolve(name.replace(' ', '-'));
        Map<String, String> all = new LinkedHashMap<>(settings);
        all.put("spark.executor.instances", "2");
        return SparkCluster.start(name, new SparkCluster.Dirs(dir.resolve("events"), dir.resolve("local"), dir.resolve("executor-tmp")),
                all, 0);
    }

    /** Executor {@code id}, launched as a cluster manager would, with the TLS and authentication of {@code settings}. */
    private static LaunchedExecutor launch(SparkSession spark, String id, Map<String, String> settings) throws Exception {
        return LaunchedExecutor.start(spark.sparkContext(), id, LaunchedExecutor.startupSettings(settings),
                tmp.resolve("executor-" + id + "-" + System.nanoTime()));
    }
}
