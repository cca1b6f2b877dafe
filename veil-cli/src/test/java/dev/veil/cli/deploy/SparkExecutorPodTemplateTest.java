package dev.veil.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes/spark (the executor pod templates of 'veil batch') and the batch image's entrypoint
 * (deploy/veil-spark-entrypoint), checked without a cluster or docker: each template is a Pod of the API with no field
 * it does not define, runs the image's entrypoint non-root on a read-only root file system with no service-account
 * token, and keeps java.io.tmpdir and Spark's local directory on memory-backed volumes of its own; the entrypoint, given
 * the argument and the environment Spark's driver gives an executor pod, runs 'veil batch executor' of the image's
 * launcher jar with every argument the command requires, from variables Spark sets.
 */
class SparkExecutorPodTemplateTest {
    /** The image's entrypoint: deploy/Dockerfile.spark installs deploy/veil-spark-entrypoint there. */
    static final String ENTRYPOINT = "/opt/veil/bin/veil-spark-entrypoint";
    static final String JAVA = "/opt/java/openjdk/bin/java";
    /**
     * The environment Spark 4.2's driver gives an executor pod's container. From Spark's
     * resource-managers/kubernetes/core/src/main/scala/org/apache/spark/deploy/k8s/features/BasicExecutorFeatureStep.scala
     * (configurePod: SPARK_USER, then the executor's variables, then _SPARK_AUTH_SECRET (SecurityManager.ENV_AUTH_SECRET), SPARK_CLASSPATH and
     * SPARK_JAVA_OPT_n, then the two from the pod's own fields), LocalDirsFeatureStep.scala (SPARK_LOCAL_DIRS), with
     * the names of deploy/k8s/Constants.scala and SecurityManager.ENV_AUTH_SECRET; SPARK_JAVA_OPT_ is a prefix (one
     * variable per JVM option, numbered from 0). Read in the spark-kubernetes_2.13 4.2.0 jar that Maven Central serves.
     */
    static final Set<String> SET_BY_SPARK = Set.of("SPARK_USER", "SPARK_DRIVER_URL", "SPARK_EXECUTOR_CORES", "SPARK_EXECUTOR_MEMORY",
            "SPARK_APPLICATION_ID", "SPARK_CONF_DIR", "SPARK_EXECUTOR_ID", "SPARK_RESOURCE_PROFILE_ID",
            "SPARK_EXECUTOR_ATTRIBUTE_APP_ID", "SPARK_EXECUTOR_ATTRIBUTE_EXECUTOR_ID", "_SPARK_AUTH_SECRET", "SPARK_CLASSPATH",
            "SPARK_EXECUTOR_POD_IP", "SPARK_EXECUTOR_POD_NAME", "SPARK_LOCAL_DIRS");
    static final String JAVA_OPT_PREFIX = "SPARK_JAVA_OPT_";
    static final Map<String, String> RUNTIME_CLASSES = Map.of("executor-pod-template-coco-snp.yaml", "kata-qemu-snp",
            "executor-pod-template-coco-tdx.yaml", "kata-qemu-tdx");

    static Path dir() {
        return Manifests.root().resolve("spark");
    }

    static Path deploy() {
        return Manifests.root().getParent();
    }

    static Pod template(String name) throws IOException {
        Path f = dir().resolve(name);
        List<ObjectNode> docs = Manifests.documents(f);
        assertThat(docs).as(name).hasSize(1);
        assertThat(Manifests.kindKey(docs.get(0))).as(name).isEqualTo("v1/Pod");
        return (Pod) Manifests.typed(docs.get(0), f.toString());
    }

    static List<String> templates() {
        List<String> names = new ArrayList<>(List.of("executor-pod-template.yaml"));
        names.addAll(new TreeSet<>(RUNTIME_CLASSES.keySet()));
        return names;
    }

    @Test
    void everyTemplateIsAHardenedPodRunningTheImagesEntrypoint() throws IOException {
        for (String name : templates()) {
            PodSpec spec = template(name).getSpec();
            assertThat(spec.getAutomountServiceAccountToken()).as(name).isFalse();
            assertThat(spec.getSecurityContext().getRunAsNonRoot()).as(name).isTrue();
            assertThat(spec.getSecurityContext().getRunAsUser()).as(name).isPositive();
            // Spark takes the first container as the executor's unless podTemplateContainerName names another
            // (KubernetesUtils.selectSparkContainer): one container, so there is no other to run beside it
            assertThat(spec.getContainers()).as(name).hasSize(1);
            assertThat(spec.getInitContainers()).as(name).isEmpty();
            Container c = spec.getContainers().get(0);
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(name).isTrue();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(name).isFalse();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).as(name).containsExactly("ALL");
            // Spark keeps the template's command and appends "executor" to its args (BasicExecutorFeatureStep): any
            // arg here would come before it, and the entrypoint refuses it
            assertThat(c.getCommand()).as(name).containsExactly(ENTRYPOINT);
            assertThat(c.getArgs()).as(name).isEmpty();
            // Spark's variables are the executor's settings; a template's own would sit beside them
            assertThat(c.getEnv()).as(name).isEmpty();
            assertThat(c.getEnvFrom()).as(name).isEmpty();
        }
    }

    @Test
    void theCocoTemplatesDifferFromTheTemplateOnlyInTheirRuntimeClass() throws IOException {
        Pod plain = template("executor-pod-template.yaml");
        assertThat(plain.getSpec().getRuntimeClassName()).isNull();
        for (Map.Entry<String, String> e : RUNTIME_CLASSES.entrySet()) {
            Pod coco = template(e.getKey());
            assertThat(coco.getSpec().getRuntimeClassName()).as(e.getKey()).isEqualTo(e.getValue());
            coco.getSpec().setRuntimeClassName(null);
            assertThat(coco).as(e.getKey()).isEqualTo(plain);
        }
    }

    @Test
    void theDockerfileInstallsTheEntrypointWhereTheTemplatesRunIt() throws IOException {
        String dockerfile = Files.readString(deploy().resolve("Dockerfile.spark"));
        assertThat(dockerfile).contains("COPY --chmod=0555 deploy/veil-spark-entrypoint " + ENTRYPOINT + "\n")
                .contains("ENTRYPOINT [\"" + ENTRYPOINT + "\"]")
                // the launcher and its libraries side by side, as the build leaves them: the class path 'veil batch measure' measures
                .contains("/src/veil-spark/target/veil-spark.jar /opt/veil/veil-spark.jar")
                .contains("/src/veil-spark/target/lib/ /opt/veil/lib/")
                .contains("FROM eclipse-temurin:17-jre");
        assertThat(Files.readString(deploy().resolve("veil-spark-entrypoint"))).contains("\njava=" + JAVA + "\n");
    }

    @Test
    void theEntrypointReadsOnlyVariablesSparkSets() throws IOException {
        // its code, not its comments (which name the variables it drops)
        String script = String.join("\n", Files.readAllLines(deploy().resolve("veil-spark-entrypoint")).stream()
                .filter(line -> !line.strip().startsWith("#")).toList());
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("_?SPARK_[A-Z_]+").matcher(script);
        while (m.find()) {
            used.add(m.group());
        }
        assertThat(used).contains("SPARK_DRIVER_URL", "SPARK_EXECUTOR_ID", JAVA_OPT_PREFIX);
        for (String v : used) {
            assertThat(SET_BY_SPARK.contains(v) || v.equals(JAVA_OPT_PREFIX)).as(v + " is set by Spark's driver").isTrue();
        }
    }

    /**
     * The entrypoint run as an executor pod runs it (Spark's "executor" argument and variables), with the image's java
     * replaced by a program that writes its arguments down.
     */
    @Test
    void anExecutorPodRunsVeilBatchExecutorWithEveryRequiredArgumentAndAPodLocalTmpdir(@TempDir Path tmp) throws Exception {
        Map<String, String> env = executorPod();
        env.put("SPARK_EXECUTOR_ID", "3");
        env.put("SPARK_EXECUTOR_CORES", "2");
        env.put("SPARK_EXECUTOR_POD_NAME", "veil-batch-exec-3");
        // eleven options: the tenth and eleventh must follow the ninth (the variables' own order is not the options')
        for (int i = 0; i < 11; i++) {
            env.put(JAVA_OPT_PREFIX + i, "-Dspark.port.maxRetries=" + i);
        }
        env.put(JAVA_OPT_PREFIX + 3, "-Djava.net.preferIPv6Addresses=false");
        List<String> argv = runEntrypoint(tmp, env, "executor");

        int jar = argv.indexOf("-jar");
        assertThat(argv.subList(jar, jar + 4)).containsExactly("-jar", "/opt/veil/veil-spark.jar", "batch", "executor");
        List<String> executorArgs = argv.subList(jar + 4, argv.size());
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i + 1 < executorArgs.size(); i += 2) {
            given.put(executorArgs.get(i), executorArgs.get(i + 1));
        }
        assertThat(given.keySet()).containsAll(requiredByBatchExecutorCommand()).doesNotContain("--podName");
        assertThat(given).containsEntry("--driver-url", env.get("SPARK_DRIVER_URL")).containsEntry("--executor-id", "3")
                .containsEntry("--hostname", "10.0.0.7").containsEntry("--cores", "2").containsEntry("--app-id", "spark-0123")
                .containsEntry("--resourceProfileId", "0");

        List<String> jvm = argv.subList(0, jar);
        List<String> sparkOptions = jvm.stream().filter(o -> o.startsWith("-Dspark.")).toList();
        assertThat(sparkOptions).hasSize(10).last().isEqualTo("-Dspark.port.maxRetries=10");
        assertThat(jvm).contains("-Xms1024m", "-Xmx1024m");
        // the JVM takes the last of several -D of one property: the image's own temporary directory wins
        List<String> tmpdirs = jvm.stream().filter(o -> o.startsWith("-Djava.io.tmpdir=")).toList();
        String tmpdir = tmpdirs.get(tmpdirs.size() - 1).substring("-Djava.io.tmpdir=".length());
        assertThat(tmpdir).isEqualTo("/tmp");
        for (String name : templates()) {
            PodSpec spec = template(name).getSpec();
            Container c = spec.getContainers().get(0);
            assertThat(memoryBackedEmptyDir(spec, c, m -> m.getMountPath().equals(tmpdir))).as(name + ": java.io.tmpdir").isTrue();
            assertThat(memoryBackedEmptyDir(spec, c, m -> m.getName().startsWith("spark-local-dir-"))).as(name + ": Spark's local directory")
                    .isTrue();
        }
    }

    @Test
    void theEntrypointRefusesAPodSparkDidNotMakeAsItsDefaultAllocatorMakesThem(@TempDir Path tmp) throws Exception {
        Map<String, String> env = new LinkedHashMap<>(Map.of("SPARK_DRIVER_URL", "spark://CoarseGrainedScheduler@10.0.0.1:7078",
                "SPARK_EXECUTOR_ID", "EXECID", "SPARK_EXECUTOR_POD_IP", "10.0.0.7", "SPARK_EXECUTOR_CORES", "1",
                "SPARK_APPLICATION_ID", "spark-0123", "SPARK_RESOURCE_PROFILE_ID", "0", "SPARK_EXECUTOR_MEMORY", "1024m"));
        assertThat(exit(tmp, env, "executor")).as("the statefulset allocator's placeholder id").isEqualTo(2);
        env.put("SPARK_EXECUTOR_ID", "1");
        assertThat(exit(tmp, env, "executor", "--podName", "p")).as("args after 'executor'").isEqualTo(2);
        env.put(JAVA_OPT_PREFIX + 1, "-Dspark.port.maxRetries=1");
        assertThat(exit(tmp, env, "executor")).as("an option out of Spark's numbering").isEqualTo(2);
        env.remove(JAVA_OPT_PREFIX + 1);
        env.remove("SPARK_DRIVER_URL");
        assertThat(exit(tmp, env, "executor")).as("no driver").isEqualTo(2);
    }

    @Test
    void otherArgumentsRunTheLauncherAsGiven(@TempDir Path tmp) throws Exception {
        List<String> argv = runEntrypoint(tmp, Map.of(), "batch", "measure");
        assertThat(argv.subList(argv.indexOf("-jar"), argv.size())).containsExactly("-jar", "/opt/veil/veil-spark.jar", "batch", "measure");
    }

    /** The variables Spark's driver gives every executor pod, with which the entrypoint starts java. */
    private static Map<String, String> executorPod() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_DRIVER_URL", "spark://CoarseGrainedScheduler@10.0.0.1:7078");
        env.put("SPARK_EXECUTOR_ID", "1");
        env.put("SPARK_EXECUTOR_POD_IP", "10.0.0.7");
        env.put("SPARK_EXECUTOR_CORES", "1");
        env.put("SPARK_APPLICATION_ID", "spark-0123");
        env.put("SPARK_RESOURCE_PROFILE_ID", "0");
        env.put("SPARK_EXECUTOR_MEMORY", "1024m");
        env.put("SPARK_EXECUTOR_POD_NAME", "veil-batch-exec-1");
        return env;
    }

    /** Writes an executable shell script that writes {@code marker} when run. */
    private static Path markerWriter(Path file, Path marker) throws IOException {
        Files.writeString(file, "#!/bin/sh\necho ran > '" + marker + "'\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    /** BASH_ENV names a file bash runs before a non-interactive script's first line, unless it runs privileged (-p). */
    @Test
    void aClusterManagersBashEnvFileIsNeverRun(@TempDir Path tmp) throws Exception {
        Path marker = tmp.resolve("bash-env-ran");
        Map<String, String> env = executorPod();
        env.put("BASH_ENV", markerWriter(tmp.resolve("bash-env"), marker).toString());
        runEntrypoint(tmp, env, "executor");
        assertThat(marker).doesNotExist();
        Files.deleteIfExists(tmp.resolve("argv"));
        runEntrypoint(tmp, env, "batch", "measure");
        assertThat(marker).as("the driver's branch").doesNotExist();
    }

    /** Exported functions (BASH_FUNC_name%%) would replace the script's commands, even the builtin exec, unless -p. */
    @Test
    void aClusterManagersExportedFunctionsNeverReplaceTheScriptsCommands(@TempDir Path tmp) throws Exception {
        Path marker = tmp.resolve("function-ran");
        Map<String, String> env = executorPod();
        for (String command : List.of("exec", "env", "grep", "compgen", "refuse")) {
            env.put("BASH_FUNC_" + command + "%%", "() { echo " + command + " >> '" + marker + "'; }");
        }
        List<String> argv = runEntrypoint(tmp, env, "executor");
        assertThat(marker).doesNotExist();
        assertThat(argv).contains("-jar", "batch", "executor");
    }

    /** SHELLOPTS and BASHOPTS would set the script's shell options: noexec (nothing checked), xtrace (the secret on stderr). */
    @Test
    void aClusterManagersShellOptionsAreIgnored(@TempDir Path tmp) throws Exception {
        Map<String, String> env = executorPod();
        env.put("_SPARK_AUTH_SECRET", "c2VjcmV0");
        env.put("SHELLOPTS", "xtrace");
        env.put("BASHOPTS", "xpg_echo");
        StringBuilder output = new StringBuilder();
        assertThat(run(tmp, env, tmp.resolve("argv"), output, "executor")).isZero();
        assertThat(output.toString()).doesNotContain("c2VjcmV0").isEmpty();
        env.put("SHELLOPTS", "noexec");
        assertThat(runEntrypoint(tmp, env, "executor")).contains("-jar");
    }

    /** The pod's PATH would choose the grep and env the script runs: a program of the cluster manager's. */
    @Test
    void aClusterManagersPathNeverChoosesTheScriptsPrograms(@TempDir Path tmp) throws Exception {
        Path marker = tmp.resolve("path-program-ran");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String program : List.of("grep", "env", "java", "bash", "sh")) {
            markerWriter(bin.resolve(program), marker);
        }
        Map<String, String> env = executorPod();
        env.put("PATH", bin.toString());
        env.put(JAVA_OPT_PREFIX + 0, "-Dspark.authenticate=true");
        List<String> argv = runEntrypoint(tmp, env, "executor");
        assertThat(marker).doesNotExist();
        assertThat(argv).contains("-Dspark.authenticate=true", "-jar");
    }

    /**
     * JVM options that run or load code before main, where 'veil batch executor' checks its JVM: a debugger that
     * waits for the cluster manager, an agent, a file of further options, a boot class path. Refused before java runs.
     */
    @Test
    void aClusterManagersJvmOptionsThatActBeforeMainAreRefusedBeforeJavaRuns(@TempDir Path tmp) throws Exception {
        for (String option : List.of("-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=*:5005",
                "-javaagent:/data/x.jar", "-XX:VMOptionsFile=/data/x", "-agentpath:/data/x.so", "-Xbootclasspath/a:/data/x.jar",
                "-XX:Flags=/data/x", "-Xrunjdwp:transport=dt_socket", "-Djava.system.class.loader=X", "-Dlog4j2.configurationFile=http://x/",
                "-XX:+UseG1GC", "-Dspark.x y=1", "-Djava.io.tmpdir=/data/elsewhere",
                "--add-opens=java.base/java.lang=ALL-UNNAMED ", "-Djava.net.preferIPv6Addresses=true,x")) {
            Map<String, String> env = executorPod();
            env.put(JAVA_OPT_PREFIX + 0, "-Dspark.authenticate=true");
            env.put(JAVA_OPT_PREFIX + 1, option);
            Path out = tmp.resolve("argv");
            Files.deleteIfExists(out);
            StringBuilder output = new StringBuilder();
            assertThat(run(tmp, env, out, output, "executor")).as(option).isEqualTo(2);
            assertThat(out).as(option + ": java never ran").doesNotExist();
            String name = option.split("=", 2)[0];
            assertThat(output.toString()).as(option).isEqualTo("veil-spark-entrypoint: SPARK_JAVA_OPT_1 is " + name
                    + ": not an option Spark gives a Veil executor (what acts before main, such as -agentlib:, -javaagent: or "
                    + "-XX:VMOptionsFile=, is refused, and so are spark.executor.extraJavaOptions' own)\n");
        }
        Map<String, String> env = executorPod();
        env.put("SPARK_EXECUTOR_MEMORY", "1g -javaagent:/data/x.jar");
        assertThat(exit(tmp, env, "executor")).as("a heap size that is not one").isEqualTo(2);
    }

    /** What Spark's driver puts in SPARK_JAVA_OPT_n for a Veil executor passes: Spark 4.2.0's module options among them. */
    @Test
    void sparksOwnExecutorOptionsPass(@TempDir Path tmp) throws Exception {
        // org.apache.spark.launcher.JavaModuleOptions.defaultModuleOptionArray() of Spark 4.2.0 (veil-cli has no Spark;
        // ExecutorPodsOnKubernetesTest, in veil-spark, gives the entrypoint the options of real Spark's pods)
        List<String> options = new ArrayList<>(List.of("-Djava.net.preferIPv6Addresses=false", "-XX:+IgnoreUnrecognizedVMOptions",
                "--add-modules=jdk.incubator.vector", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
                "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
                "-Dio.netty.tryReflectionSetAccessible=true", "-Dio.netty.allocator.type=pooled",
                "-Dio.netty.handler.ssl.defaultEndpointVerificationAlgorithm=NONE", "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED", "-Dspark.authenticate=true", "-Dspark.ssl.rpc.enabled=true",
                "-Dspark.driver.port=7078", "-Dspark.ssl.veil.driverCertificate=-----BEGIN CERTIFICATE-----\nMIIB...=\n-----END CERTIFICATE-----"));
        Map<String, String> env = executorPod();
        for (int i = 0; i < options.size(); i++) {
            env.put(JAVA_OPT_PREFIX + i, options.get(i));
        }
        // the recording java writes an argument a line: the certificate's lines are lines of their own
        List<String> expected = String.join("\n", options).lines().toList();
        List<String> argv = runEntrypoint(tmp, env, "executor");
        assertThat(argv.subList(0, expected.size())).isEqualTo(expected);
        assertThat(argv.get(expected.size())).isEqualTo("-Xms1024m");
    }

    /**
     * The JVM reads JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS and _JAVA_OPTIONS as it starts, the dynamic loader LD_*, Log4j
     * LOG4J_* as its first logger is made, Veil XDG_CACHE_HOME for native libraries: the executor's java gets none of
     * the pod's environment but the variables an executor needs.
     */
    @Test
    void aClusterManagersEnvironmentNeverReachesTheExecutorsJvm(@TempDir Path tmp) throws Exception {
        Map<String, String> env = executorPod();
        Map<String, String> kept = Map.of("_SPARK_AUTH_SECRET", "c2VjcmV0", "SPARK_LOCAL_DIRS", "/var/veil/spark-local",
                "SPARK_USER", "veil", "VEIL_BATCH_PROVIDERS", "aa,bb", "VEIL_BATCH_PLATFORM", "sev-snp", "HOSTNAME", "veil-batch-exec-1",
                "LANG", "C.UTF-8");
        env.putAll(kept);
        List<String> dropped = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "LD_LIBRARY_PATH", "LD_AUDIT",
                "XDG_CACHE_HOME", "LOG4J_CONFIGURATION_FILE", "HADOOP_TOKEN_FILE_LOCATION", "SPARK_EXECUTOR_DIRS", "SPARK_LOCAL_HOSTNAME",
                "CONTAINER_ID", "CLASSPATH", "VEIL_DEBUG", "JAVA_HOME", "TZ");
        for (String name : dropped) {
            env.put(name, "/data/x");
        }
        // LD_PRELOAD acts on bash itself, before the script's first line: only a library that does not exist here
        env.put("LD_PRELOAD", tmp.resolve("none.so").toString());
        runEntrypoint(tmp, env, "executor");
        Map<String, String> javaEnv = recordedEnvironment(tmp);
        assertThat(javaEnv).containsAllEntriesOf(kept).containsEntry("PATH", "/usr/bin:/bin");
        assertThat(javaEnv.keySet()).doesNotContainAnyElementsOf(dropped).doesNotContain("LD_PRELOAD")
                .noneMatch(name -> name.startsWith("SPARK_JAVA_OPT_") || name.equals("SPARK_DRIVER_URL"));
        // a variable the pod does not set is not passed, not even empty; bash's own HOSTNAME is not the pod's
        runEntrypoint(tmp, executorPod(), "executor");
        Set<String> names = new TreeSet<>(recordedEnvironment(tmp).keySet());
        names.removeAll(Set.of("PWD", "SHLVL", "_"));   // the recording java's own shell sets these
        assertThat(names).containsExactly("PATH");
    }

    /** The fake java's environment, NAME=value a line (values without newlines here). */
    private static Map<String, String> recordedEnvironment(Path tmp) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(tmp.resolve("env"), StandardCharsets.UTF_8)) {
            String[] kv = line.split("=", 2);
            out.put(kv[0], kv[1]);
        }
        return out;
    }

    private static boolean memoryBackedEmptyDir(PodSpec spec, Container c, java.util.function.Predicate<VolumeMount> mount) {
        List<VolumeMount> mounts = c.getVolumeMounts().stream().filter(mount).toList();
        if (mounts.size() != 1) {
            return false;
        }
        Volume v = spec.getVolumes().stream().filter(x -> x.getName().equals(mounts.get(0).getName())).findFirst().orElseThrow();
        return v.getEmptyDir() != null && "Memory".equals(v.getEmptyDir().getMedium());
    }

    /**
     * BatchExecutorCommand.REQUIRED, read from its source: veil-cli cannot depend on veil-spark (which depends on it).
     */
    static List<String> requiredByBatchExecutorCommand() throws IOException {
        String source = Files.readString(deploy().getParent()
                .resolve("veil-spark/src/main/java/dev/veil/spark/cli/BatchExecutorCommand.java"));
        Matcher m = Pattern.compile("List<String> REQUIRED = List\\.of\\(([^)]*)\\)").matcher(source);
        assertThat(m.find()).as("BatchExecutorCommand.REQUIRED").isTrue();
        List<String> out = new ArrayList<>();
        Matcher q = Pattern.compile("\"([^\"]+)\"").matcher(m.group(1));
        while (q.find()) {
            out.add(q.group(1));
        }
        assertThat(out).contains("--driver-url", "--executor-id");
        return out;
    }

    private static List<String> runEntrypoint(Path tmp, Map<String, String> env, String... args) throws Exception {
        Path out = tmp.resolve("argv");
        Files.deleteIfExists(out);
        assertThat(run(tmp, env, out, args)).isZero();
        return Files.readAllLines(out, StandardCharsets.UTF_8);
    }

    private static int exit(Path tmp, Map<String, String> env, String... args) throws Exception {
        return run(tmp, env, tmp.resolve("argv"), new StringBuilder(), args);
    }

    private static int run(Path tmp, Map<String, String> env, Path out, String... args) throws Exception {
        return run(tmp, env, out, new StringBuilder(), args);
    }

    /**
     * Runs the entrypoint with {@code env} alone, its java writing its arguments to {@code out}, one a line, and its
     * environment to "env" beside it; the entrypoint's output goes to {@code output}. The copy is executed itself, as
     * the image runs it, so that its '#!' line (bash's options) applies. The fake java names every program by its path:
     * it is given only the PATH the entrypoint passes.
     */
    private static int run(Path tmp, Map<String, String> env, Path out, StringBuilder output, String... args) throws Exception {
        Path fakeJava = tmp.resolve("java");
        Path javaEnv = tmp.resolve("env");
        Files.deleteIfExists(javaEnv);
        Files.writeString(fakeJava, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + out + "'\n"
                + "/usr/bin/env > '" + javaEnv + "'\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwx------"));
        String original = Files.readString(deploy().resolve("veil-spark-entrypoint"));
        assertThat(original).startsWith("#!/bin/bash -p\n").contains("\njava=" + JAVA + "\n");
        Path copy = tmp.resolve("entrypoint");
        Files.writeString(copy, original.replace("\njava=" + JAVA + "\n", "\njava=" + fakeJava + "\n"));
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwx------"));
        List<String> command = new ArrayList<>(List.of(copy.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        output.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        return p.waitFor();
    }
}
