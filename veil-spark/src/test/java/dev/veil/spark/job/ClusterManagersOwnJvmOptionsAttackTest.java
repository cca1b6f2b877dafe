package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Attack: the cluster manager, which writes a launched executor's command line and environment, adds what runs code of
 * its own in it: a debugger, remote JMX, a native library by path (commons-crypto's, snappy's, ONNX Runtime's), a
 * class-data archive, another class path, a log configuration, a Spark setting the driver does not send. Only Spark's
 * connection settings and a fixed set of sizing options pass ({@link LaunchedJvm}); the end-to-end case is in
 * LaunchedExecutorsObeyOnlyTheAttestedDriverAttackTest.
 */
class ClusterManagersOwnJvmOptionsAttackTest {
    /**
     * What LaunchedExecutor (as a cluster manager) starts an executor with, and what SparkContext adds to every executor's
     * options (its IPv6 preference, given to a Kubernetes pod): it must pass.
     */
    private static final List<String> SPARKS_OWN = List.of("-Djava.net.preferIPv6Addresses=false", "-Xmx512m", "-Djava.io.tmpdir=/tmp/x", "-Dspark.ssl.rpc.enabled=true",
            "-Dspark.ssl.rpc.trustStore=/tmp/t.p12", "-Dspark.ssl.rpc.trustStorePassword=p", "-Dspark.authenticate=true",
            "-Dspark.authenticate.secret=s", "-Dspark.driver.port=7077", "--enable-native-access=ALL-UNNAMED",
            "-XX:+UseSerialGC", "-XX:-UsePerfData");

    @Test
    void sparksOwnConnectionSettingsAndSizingPass() {
        List<String> options = new ArrayList<>(SPARKS_OWN);
        options.addAll(List.of(org.apache.spark.launcher.JavaModuleOptions.defaultModuleOptionArray()));
        assertThatCode(() -> LaunchedJvm.check(new Properties(), options, Map.of(), List.of("--driver-url", "x")))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-Xrunjdwp:transport=dt_socket,server=y,suspend=n,address=*:5005",
            "-agentlib:jdwp=transport=dt_socket,server=y", "-javaagent:/cm/agent.jar",
            "-Dcom.sun.management.jmxremote.port=9999", "-Dcommons.crypto.lib.path=/cm", "-Dorg.xerial.snappy.lib.path=/cm",
            "-Donnxruntime.native.path=/cm", "-Djava.library.path=/cm", "-XX:SharedArchiveFile=/cm/classes.jsa",
            "-XX:+AutoCreateSharedArchive", "-Djava.class.path=/cm:/opt/veil/veil-spark.jar", "-Dlog4j2.configurationFile=/cm/log4j2.xml",
            "-Dspark.shuffle.manager=org.apache.spark.shuffle.sort.SortShuffleManager", "-Dspark.app.initial.jar.urls=file:/cm/x.jar",
            "--add-opens=java.base/java.lang=cm.module", "-XX:OnOutOfMemoryError=/cm/run", "-Xbootclasspath/a:/cm",
            // an OutOfMemoryError the model caused would end the executor, and a lost executor's task is retried elsewhere
            "-XX:+ExitOnOutOfMemoryError"})
    void anOptionOfTheClusterManagersOwnIsRefused(String option) {
        List<String> options = new ArrayList<>(SPARKS_OWN);
        options.add(option);
        assertThatThrownBy(() -> LaunchedJvm.check(new Properties(), options, Map.of(), List.of()))
                .isInstanceOf(ExecutorLaunch.Refused.class).hasMessageContaining(option.split("=", 2)[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"LD_PRELOAD", "LD_LIBRARY_PATH", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS"})
    void anEnvironmentThatPreloadsCodeIsRefused(String name) {
        assertThatThrownBy(() -> LaunchedJvm.check(new Properties(), SPARKS_OWN, Map.of(name, "/cm"), List.of()))
                .isInstanceOf(ExecutorLaunch.Refused.class).hasMessageContaining(name);
    }

    @Test
    void aResourcesFileIsRefused() {
        assertThatThrownBy(() -> LaunchedJvm.check(new Properties(), SPARKS_OWN, Map.of(), List.of("--resourcesFile", "/cm/r.json")))
                .isInstanceOf(ExecutorLaunch.Refused.class).hasMessageContaining("--resourcesFile");
    }
}
