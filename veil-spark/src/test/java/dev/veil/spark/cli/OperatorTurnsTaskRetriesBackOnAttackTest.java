package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Attack: the operator of the cluster raises Spark's task attempts, turns speculative copies or dynamic allocation on,
 * or turns off the exclusion of an executor that failed a task, through the launcher JVM's {@code spark.*} system
 * properties (which Spark reads), so that what a hostile model does with the data decides how often its rows are run,
 * whether tasks are copied or given to executors added mid-job. The launcher's settings of the job win over the JVM's.
 */
class OperatorTurnsTaskRetriesBackOnAttackTest {
    @Test
    void theJobsSparkSettingsWinOverTheJvmsSystemProperties() throws Exception {
        Map<String, String> operators = Map.of("spark.task.maxFailures", "16", "spark.speculation", "true",
                "spark.dynamicAllocation.enabled", "true", "spark.excludeOnFailure.enabled", "false");
        operators.forEach(System::setProperty);
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        SparkSession.Builder builder;
        System.setErr(new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            builder = BatchCommand.session("veil batch settings test", "local[1]", java.util.Map.of());
        } finally {
            System.setErr(err);
        }
        // not dropped silently: each setting not taken is said back, one line each
        assertThat(said.toString(java.nio.charset.StandardCharsets.UTF_8).lines())
                .anySatisfy(l -> assertThat(l).contains("spark.task.maxFailures=16 is not taken"))
                .anySatisfy(l -> assertThat(l).contains("spark.speculation=true is not taken"))
                .anySatisfy(l -> assertThat(l).contains("spark.dynamicAllocation.enabled=true is not taken"))
                .anySatisfy(l -> assertThat(l).contains("spark.excludeOnFailure.enabled=false is not taken"));
        try (SparkSession spark = builder.getOrCreate()) {
            assertThat(spark.sparkContext().getConf().get("spark.task.maxFailures")).isEqualTo("4");
            // a task that failed on an executor runs there no more: no retry lands twice on an executor without an instance
            assertThat(spark.sparkContext().getConf().get("spark.excludeOnFailure.enabled")).isEqualTo("true");
            assertThat(spark.sparkContext().getConf().get("spark.speculation")).isEqualTo("false");
            assertThat(spark.sparkContext().getConf().get("spark.dynamicAllocation.enabled")).isEqualTo("false");
        } finally {
            operators.keySet().forEach(System::clearProperty);
        }
    }
}
