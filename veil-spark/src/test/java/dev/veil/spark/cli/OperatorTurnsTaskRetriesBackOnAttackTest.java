package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Attack: the operator of the cluster turns Spark's task retries, speculative copies or dynamic allocation back on
 * through the launcher JVM's {@code spark.*} system properties (which Spark reads), so that what a hostile model does
 * with the data decides whether tasks are retried, copied or given to executors added mid-job. The launcher's
 * settings of the job win over the JVM's.
 */
class OperatorTurnsTaskRetriesBackOnAttackTest {
    @Test
    void theJobsSparkSettingsWinOverTheJvmsSystemProperties() throws Exception {
        Map<String, String> operators = Map.of("spark.task.maxFailures", "16", "spark.speculation", "true",
                "spark.dynamicAllocation.enabled", "true");
        operators.forEach(System::setProperty);
        try (SparkSession spark = BatchCommand.session("veil batch settings test", "local[1]").getOrCreate()) {
            assertThat(spark.sparkContext().getConf().get("spark.task.maxFailures")).isEqualTo("1");
            assertThat(spark.sparkContext().getConf().get("spark.speculation")).isEqualTo("false");
            assertThat(spark.sparkContext().getConf().get("spark.dynamicAllocation.enabled")).isEqualTo("false");
        } finally {
            operators.keySet().forEach(System::clearProperty);
        }
    }
}
