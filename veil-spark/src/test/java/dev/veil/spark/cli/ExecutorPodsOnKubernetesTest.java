package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.veil.spark.job.DriverInstance;
import dev.veil.spark.job.ExecutorContract;
import dev.veil.spark.job.LaunchedJvmCheck;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 'veil batch --master k8s://' as far as it goes without a cluster: the driver's Spark session, made as 'veil batch'
 * makes it (its RPC under the driver instance's TLS key), with the settings deploy/kubernetes/spark/README.md gives the
 * driver as JVM system properties and the shipped executor pod template, asks a Kubernetes API (fabric8's mock, on
 * loopback, storing what it is sent) for its executor pods. No pod runs (no kubelet): each pod the driver created is
 * checked as the API would hand it to a node, then its container's environment is given to the image's entrypoint, and
 * the JVM that would start must pass the executor's own launch check. So the chain driver, pod, entrypoint,
 * 'veil batch executor' is checked up to the executor's start; its connection back to the driver is not.
 */
class ExecutorPodsOnKubernetesTest {
    private static final Path TEMPLATE = Path.of("..", "deploy", "kubernetes", "spark", "executor-pod-template.yaml")
            .toAbsolutePath().normalize();
    private static final String NAMESPACE = "veil";
    private static final String DRIVER_POD = "veil-batch-driver";
    private static final String IMAGE = "registry.invalid/veil-spark@sha256:" + "0".repeat(64);
    /** What the node would put into each pod's status.podIP, which Spark gives the executor by a field reference. */
    private static final String POD_IP = "10.0.0.7";

    @Test
    void theDriverAsksKubernetesForExecutorPodsOfTheTemplateThatStartVeilBatchExecutor(@TempDir Path tmp) throws Exception {
        KubernetesMockServer api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        api.init(InetAddress.getByName("127.0.0.1"), 0);
        Map<String, String> settings = new LinkedHashMap<>();
        // the driver's settings of deploy/kubernetes/spark/README.md
        settings.put("spark.kubernetes.container.image", IMAGE);
        settings.put("spark.kubernetes.namespace", NAMESPACE);
        settings.put("spark.kubernetes.driver.pod.name", DRIVER_POD);
        settings.put("spark.driver.host", "127.0.0.1");
        settings.put("spark.executor.instances", "2");
        settings.put("spark.kubernetes.allocation.pods.allocator", "direct");
        settings.put("spark.kubernetes.executor.disableConfigMap", "true");
        settings.put("spark.kubernetes.executor.podTemplateFile", TEMPLATE.toString());
        // this test's own: the driver binds loopback, and does not wait for executors that never start to register
        settings.put("spark.driver.bindAddress", "127.0.0.1");
        settings.put("spark.scheduler.minRegisteredResourcesRatio", "0");
        // fabric8's client reads none of this machine's Kubernetes settings (a kubeconfig, a proxy)
        settings.put("kubernetes.auth.tryKubeConfig", "false");
        settings.put("kubernetes.auth.tryServiceAccount", "false");
        settings.put("no.proxy", "127.0.0.1");
        Map<Object, Object> saved = new HashMap<>(System.getProperties());
        try (KubernetesClient kubernetes = api.createClient()) {
            // the driver's own pod, running and ready, as Spark's allocator waits for it to be
            kubernetes.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata().withName(DRIVER_POD)
                    .withNamespace(NAMESPACE).endMetadata().withNewStatus().withPhase("Running").addNewCondition().withType("Ready")
                    .withStatus("True").endCondition().endStatus().build()).create();
            settings.forEach(System::setProperty);
            // what 'veil batch' checks first: none of these ships code to the executors
            assertThatCode(() -> CodeShippingSettings.refuse(System.getProperties())).doesNotThrowAnyException();
            List<Pod> pods;
            String driverUrl;
            String appId;
            Map<String, String> startup;
            String secret;
            try (DriverInstance driver = new DriverInstance(new ExecutorContract().signed);
                 SparkSession spark = BatchCommand.session("veil batch k8s", "k8s://http://127.0.0.1:" + api.getPort(),
                         driver.sparkSettings()).getOrCreate()) {
                SparkContext sc = spark.sparkContext();
                pods = executorPods(kubernetes, 2);
                driverUrl = "spark://CoarseGrainedScheduler@127.0.0.1:" + sc.getConf().get("spark.driver.port");
                appId = sc.applicationId();
                startup = executorStartupSettings(sc, driver.sparkSettings());
                // on Kubernetes Spark's SecurityManager draws the application's secret itself, over the driver instance's
                // spark.authenticate.secret (SecurityManager.initializeAuth), and authenticates the driver's RPC with it
                secret = sc.env().securityManager().getSecretKey();
                assertThat(secret).isNotEqualTo(driver.sparkSettings().get("spark.authenticate.secret")).hasSize(64);
            }
            assertThat(pods).extracting(p -> env(p).get("SPARK_EXECUTOR_ID")).containsExactlyInAnyOrder("1", "2");
            for (Pod pod : pods) {
                String id = env(pod).get("SPARK_EXECUTOR_ID");
                assertTemplateKept(pod);
                assertSparksExecutor(pod, driverUrl, appId, startup, secret);
                assertStartsVeilBatchExecutor(pod, tmp.resolve("pod-" + id), driverUrl, appId, startup);
            }
        } finally {
            // this JVM runs other tests: back to its own properties (Spark's Kubernetes client sets one of fabric8's too)
            System.getProperties().keySet().removeIf(key -> !saved.containsKey(key));
            System.getProperties().putAll(saved);
            api.destroy();
        }
    }

    /** The template's command, security context and volumes, in the pod the driver made: none dropped or replaced. */
    private static void assertTemplateKept(Pod pod) {
        assertThat(pod.getMetadata().getLabels()).containsEntry("app.kubernetes.io/name", "veil-spark-executor")
                .containsEntry("spark-role", "executor");
        // owned by the driver's pod: deleting it deletes the executors
        assertThat(pod.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getName()).isEqualTo(DRIVER_POD));
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(10001L);
        assertThat(pod.getSpec().getContainers()).hasSize(1);
        assertThat(pod.getSpec().getInitContainers()).isEmpty();
        Container c = pod.getSpec().getContainers().get(0);
        assertThat(c.getName()).isEqualTo("veil-spark-executor");
        assertThat(c.getImage()).isEqualTo(IMAGE);
        assertThat(c.getCommand()).containsExactly("/opt/veil/bin/veil-spark-entrypoint");
        assertThat(c.getArgs()).containsExactly("executor");
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        Map<String, String> mounts = c.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getName, VolumeMount::getMountPath));
        assertThat(mounts).containsEntry("tmp", "/tmp").containsEntry("spark-local-dir-1", "/var/veil/spark-local")
                .containsEntry("batch-data", "/data");
        Map<String, Volume> volumes = pod.getSpec().getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        assertThat(volumes.get("tmp").getEmptyDir().getMedium()).isEqualTo("Memory");
        assertThat(volumes.get("spark-local-dir-1").getEmptyDir().getMedium()).isEqualTo("Memory");
        assertThat(volumes.get("batch-data").getPersistentVolumeClaim().getClaimName()).isEqualTo("veil-batch-data");
    }

    /** The executor's settings Spark put into the pod: its driver, its id, and the driver's TLS and authentication. */
    private static void assertSparksExecutor(Pod pod, String driverUrl, String appId, Map<String, String> startup, String secret) {
        Map<String, String> env = env(pod);
        assertThat(env).containsEntry("SPARK_DRIVER_URL", driverUrl).containsEntry("SPARK_APPLICATION_ID", appId)
                .containsEntry("SPARK_RESOURCE_PROFILE_ID", "0").containsEntry("SPARK_EXECUTOR_CORES", "1")
                .containsEntry("SPARK_EXECUTOR_MEMORY", "1024m");
        EnvVar podIp = pod.getSpec().getContainers().get(0).getEnv().stream().filter(e -> e.getName().equals("SPARK_EXECUTOR_POD_IP"))
                .findFirst().orElseThrow();
        assertThat(podIp.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
        List<String> javaOptions = javaOptions(env);
        // the driver's executor start-up settings, its Spark connection to the driver: TLS on, the driver's certificate
        // itself (the launched executor writes its trust store from it: the trust store's path names a file of the
        // driver's, which nothing puts into the pod), authentication
        assertThat(javaOptions).contains("-Dspark.ssl.rpc.enabled=true", "-Dspark.authenticate=true",
                "-Dspark.ssl.veil.driverCertificate=" + startup.get("spark.ssl.veil.driverCertificate"));
        assertThat(startup.get("spark.ssl.veil.driverCertificate")).isNotBlank();
        startup.forEach((key, value) -> assertThat(javaOptions).as(key).contains("-D" + key + "=" + value));
        // the stores' passwords are not start-up settings, and no variable carries them; the driver's authentication
        // secret is the pod's variable in plain text (SecurityManager.ENV_AUTH_SECRET): whoever may read the pod may read it
        assertThat(javaOptions).noneMatch(o -> o.contains("Password"));
        assertThat(env.keySet()).noneMatch(name -> name.contains("PASSWORD"));
        assertThat(env).containsEntry("_SPARK_AUTH_SECRET", secret);
    }

    /**
     * The pod's container environment (its field references resolved as the node would) given to the image's entrypoint:
     * 'veil batch executor' with Spark's executor arguments for this driver, and a JVM the executor's launch check takes.
     */
    private static void assertStartsVeilBatchExecutor(Pod pod, Path dir, String driverUrl, String appId, Map<String, String> startup)
            throws Exception {
        Map<String, String> env = new LinkedHashMap<>(env(pod));
        env.put("SPARK_EXECUTOR_POD_IP", POD_IP);
        env.put("SPARK_EXECUTOR_POD_NAME", pod.getMetadata().getName());
        List<String> argv = ImageEntrypoint.javaCommand(dir, env, pod.getSpec().getContainers().get(0).getArgs().toArray(String[]::new));
        int jar = argv.indexOf("-jar");
        assertThat(argv.subList(jar, jar + 4)).containsExactly("-jar", "/opt/veil/veil-spark.jar", "batch", "executor");
        List<String> sparkArguments = argv.subList(jar + 4, argv.size());
        assertThat(sparkArguments).containsExactly("--driver-url", driverUrl, "--executor-id", env.get("SPARK_EXECUTOR_ID"),
                "--hostname", POD_IP, "--cores", "1", "--app-id", appId, "--resourceProfileId", "0");
        List<String> jvmOptions = argv.subList(0, jar);
        // the image's temporary directory last of all: the JVM takes the last -D of a property
        assertThat(jvmOptions).containsSubsequence(javaOptions(env)).contains("-Xms1024m", "-Xmx1024m")
                .filteredOn(o -> o.startsWith("-Djava.io.tmpdir=")).last().isEqualTo("-Djava.io.tmpdir=/tmp");
        Properties systemProperties = new Properties();
        jvmOptions.stream().filter(o -> o.startsWith("-D")).map(o -> o.substring(2).split("=", 2))
                .forEach(kv -> systemProperties.setProperty(kv[0], kv[1]));
        assertThat(systemProperties.getProperty("spark.ssl.rpc.trustStore")).isEqualTo(startup.get("spark.ssl.rpc.trustStore"));
        // the JVM's environment is the entrypoint's allowlist of the pod's (env -i): the secret, the local directory and
        // Veil's pins are passed, Spark's variables the entrypoint made arguments of are not
        Map<String, String> javaEnv = ImageEntrypoint.javaEnvironment(dir);
        assertThat(javaEnv).containsEntry("_SPARK_AUTH_SECRET", env.get("_SPARK_AUTH_SECRET")).containsEntry("PATH", "/usr/bin:/bin");
        assertThat(env).containsKeys("SPARK_LOCAL_DIRS", "SPARK_USER", "VEIL_BATCH_PROVIDERS", "VEIL_BATCH_PLATFORM");
        for (String kept : List.of("SPARK_LOCAL_DIRS", "SPARK_USER", "VEIL_BATCH_PROVIDERS", "VEIL_BATCH_PLATFORM")) {
            assertThat(javaEnv.get(kept)).as(kept).isEqualTo(env.get(kept));
        }
        assertThat(javaEnv.keySet()).noneMatch(name -> name.startsWith("SPARK_JAVA_OPT_") || name.equals("SPARK_DRIVER_URL"));
        assertThatCode(() -> LaunchedJvmCheck.check(systemProperties, jvmOptions, javaEnv, sparkArguments)).doesNotThrowAnyException();
        // and what it checks before it connects: the attested driver's contract, statement and certificate, which the pod
        // carries in its Java options, against the pins the pod's environment gives it
        assertThatCode(() -> LaunchedJvmCheck.driverAtStart(systemProperties, javaEnv)).doesNotThrowAnyException();
    }

    /** The driver's settings Spark gives an executor at its start (SparkConf.isExecutorStartupConf), passwords aside. */
    private static Map<String, String> executorStartupSettings(SparkContext sc, Map<String, String> driverSettings) {
        Map<String, String> out = new LinkedHashMap<>();
        driverSettings.forEach((key, value) -> {
            if (org.apache.spark.SparkConf.isExecutorStartupConf(key) && !key.contains("Password") && !key.equals("spark.authenticate.secret")) {
                out.put(key, sc.getConf().get(key));
            }
        });
        assertThat(out).containsKeys("spark.ssl.rpc.enabled", "spark.ssl.rpc.trustStore", "spark.authenticate");
        return out;
    }

    /** Spark's JVM options for the executor, SPARK_JAVA_OPT_0, 1, ... in order. */
    private static List<String> javaOptions(Map<String, String> env) {
        List<String> out = new java.util.ArrayList<>();
        while (env.containsKey("SPARK_JAVA_OPT_" + out.size())) {
            out.add(env.get("SPARK_JAVA_OPT_" + out.size()));
        }
        assertThat(env.keySet().stream().filter(k -> k.startsWith("SPARK_JAVA_OPT_"))).hasSize(out.size());
        return out;
    }

    /** The container's variables that have a value of their own (not a field reference). */
    private static Map<String, String> env(Pod pod) {
        Map<String, String> out = new LinkedHashMap<>();
        for (EnvVar e : pod.getSpec().getContainers().get(0).getEnv()) {
            if (e.getValue() != null) {
                out.put(e.getName(), e.getValue());
            }
        }
        return out;
    }

    /** The executor pods in the API once there are {@code count} of them: the driver makes them in a thread of its own. */
    private static List<Pod> executorPods(KubernetesClient kubernetes, int count) throws InterruptedException {
        Instant until = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            List<Pod> pods = kubernetes.pods().inNamespace(NAMESPACE).withLabel("spark-role", "executor").list().getItems();
            if (pods.size() >= count || Instant.now().isAfter(until)) {
                assertThat(pods).as("executor pods the driver created").hasSize(count);
                return pods;
            }
            Thread.sleep(200);
        }
    }
}
