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
        String script = Files.readString(deploy().resolve("veil-spark-entrypoint"));
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("SPARK_[A-Z_]+").matcher(script);
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
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_DRIVER_URL", "spark://CoarseGrainedScheduler@10.0.0.1:7078");
        env.put("SPARK_EXECUTOR_ID", "3");
        env.put("SPARK_EXECUTOR_POD_IP", "10.0.0.7");
        env.put("SPARK_EXECUTOR_CORES", "2");
        env.put("SPARK_APPLICATION_ID", "spark-0123");
        env.put("SPARK_RESOURCE_PROFILE_ID", "0");
        env.put("SPARK_EXECUTOR_MEMORY", "1024m");
        env.put("SPARK_EXECUTOR_POD_NAME", "veil-batch-exec-3");
        // eleven options: the tenth and eleventh must follow the ninth (the variables' own order is not the options')
        for (int i = 0; i < 11; i++) {
            env.put(JAVA_OPT_PREFIX + i, "-Dspark.port.maxRetries=" + i);
        }
        env.put(JAVA_OPT_PREFIX + 3, "-Djava.io.tmpdir=/elsewhere");
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
        return run(tmp, env, tmp.resolve("argv"), args);
    }

    /** Runs the entrypoint with {@code env} alone, its java writing its arguments to {@code out}, one a line. */
    private static int run(Path tmp, Map<String, String> env, Path out, String... args) throws Exception {
        Path fakeJava = tmp.resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + out + "'\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwx------"));
        String script = Files.readString(deploy().resolve("veil-spark-entrypoint")).replace("\njava=" + JAVA + "\n", "\njava=" + fakeJava + "\n");
        Path copy = tmp.resolve("entrypoint");
        Files.writeString(copy, script);
        List<String> command = new ArrayList<>(List.of("/bin/bash", copy.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
