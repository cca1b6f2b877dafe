package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.veil.spark.job.CodeShipping;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Attack: the operator starts the attested driver ('veil batch', which the executors now obey alone) with Spark settings
 * among the JVM's {@code spark.*} system properties that put its own code into the executors, beside the rows an
 * instance decrypts: a jar and a plugin class in it, files, a JVM agent on the executors' command line, a preloaded
 * native library. 'veil batch' refuses each before it reads anything or asks any broker: one line naming the setting,
 * exit 2.
 */
class OperatorShipsCodeToTheExecutorsAttackTest {
    private static final List<String> REQUIRED = List.of("--contract", "--model", "--data", "--mp-broker", "--dp-broker",
            "--master-key", "--out");

    @Test
    void eachCodeShippingSettingIsRefusedBeforeAnythingIsRead() {
        Map<String, String> settings = Map.of(
                "spark.jars", "/tmp/operator.jar",
                "spark.plugins", "org.operator.Plugin",
                "spark.files", "/tmp/operator.so",
                "spark.archives", "/tmp/operator.tar.gz",
                "spark.executor.extraJavaOptions", "-Djava.io.tmpdir=/tmp -javaagent:/tmp/agent.jar",
                "spark.executor.defaultJavaOptions", "-XX:OnOutOfMemoryError=/tmp/run.sh",
                "spark.executorEnv.LD_PRELOAD", "/tmp/operator.so",
                "spark.executorEnv.JAVA_TOOL_OPTIONS", "-javaagent:/tmp/agent.jar",
                "spark.repl.class.uri", "file:///tmp/classes",
                "spark.executor.userClassPathFirst", "true");
        Map<String, String> options = Map.of(
                "spark.executor.extraJavaOptions", "-Xss4m @/tmp/options",
                "spark.executor.defaultJavaOptions", "-XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/host",
                // classes the driver's Kubernetes cluster manager would instantiate by name, in the driver's TEE
                "spark.kubernetes.executor.pod.featureSteps", "io.vertx.core.impl.SomeClass",
                "spark.kubernetes.driver.pod.featureSteps", "io.vertx.core.impl.SomeClass",
                "spark.kubernetes.allocation.pods.allocator", "org.operator.Allocator");
        // a Log4j configuration the executors' JVMs would read as they start (fetched from a server, appenders, classes)
        Map<String, String> logging = Map.of(
                "spark.executor.extraJavaOptions", "-Xss4m -Dlog4j2.configurationFile=https://operator.example/log4j2.xml",
                "spark.executorEnv.LOG4J_CONFIGURATION_FILE", "https://operator.example/log4j2.xml");
        List<Map.Entry<String, String>> all = new ArrayList<>(settings.entrySet());
        all.addAll(options.entrySet());
        all.addAll(logging.entrySet());
        all.forEach(e -> {
            String key = e.getKey();
            String value = e.getValue();
            System.setProperty(key, value);
            try {
                List<String> args = new ArrayList<>(List.of("batch"));
                for (String option : REQUIRED) {
                    args.add(option);
                    args.add("/nonexistent/" + option.substring(2));   // nothing is read: the refusal comes first
                }
                Parties.Run run = Parties.launcher(args.toArray(String[]::new));
                assertThat(run.exit()).as(key).isEqualTo(2);
                assertThat(run.err().lines().toList()).as(key).singleElement()
                        .satisfies(line -> assertThat(line).startsWith("veil: " + key + " is set").contains("remove it"));
            } finally {
                System.clearProperty(key);
            }
        });
    }

    @Test
    void executorSettingsThatLoadNoCodeAreTaken() throws Exception {
        // the pod template only shapes the pods the driver asks Kubernetes for: an executor never opens it (CodeShipping)
        Map<String, String> settings = Map.of(
                "spark.executor.extraJavaOptions", "-Djava.io.tmpdir=/tmp -Xss4m",
                "spark.executorEnv.TZ", "UTC",
                "spark.kubernetes.executor.podTemplateFile", "/etc/veil/spark/executor-pod-template.yaml",
                "spark.kubernetes.executor.podTemplateContainerName", "executor",
                "spark.kubernetes.allocation.pods.allocator", "direct");
        settings.forEach(System::setProperty);
        try {
            assertThatCode(() -> CodeShippingSettings.refuse(System.getProperties())).doesNotThrowAnyException();
            // and the check a launched executor makes of its driver's settings takes them too
            settings.forEach((key, value) -> assertThat(CodeShipping.why(key, value)).as(key).isEmpty());
        } finally {
            settings.keySet().forEach(System::clearProperty);
        }
    }
}
