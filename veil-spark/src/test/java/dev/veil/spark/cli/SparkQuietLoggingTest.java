package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.receipt.FailureCode;
import dev.veil.spark.job.PartitionFailure;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.spi.ExtendedLogger;
import org.junit.jupiter.api.Test;

/**
 * The launcher's logging: Spark, Hadoop and Parquet at ERROR (log4j2.properties), and a failure Veil classified never
 * logged by Spark with its trace (the executor, the task set and the writer each log it at ERROR), while any other
 * error still is.
 */
class SparkQuietLoggingTest {
    @Test
    void sparksInfoIsOffAndClassifiedFailuresAreNotLogged() {
        SparkLauncher.commandLine();   // installs the filter, as every run of the launcher does
        ExtendedLogger executor = (ExtendedLogger) LogManager.getLogger("org.apache.spark.executor.Executor");
        assertThat(executor.isInfoEnabled()).isFalse();
        assertThat(executor.isWarnEnabled()).isFalse();
        assertThat(((ExtendedLogger) LogManager.getLogger("org.apache.hadoop.util.NativeCodeLoader")).isWarnEnabled()).isFalse();
        assertThat(((ExtendedLogger) LogManager.getLogger("org.apache.parquet.hadoop.InternalParquetRecordReader")).isInfoEnabled())
                .isFalse();

        RuntimeException classified = new RuntimeException("Job aborted due to stage failure",
                new RuntimeException(new PartitionFailure(FailureCode.DATASET_INVALID)));
        assertThat(executor.isEnabled(Level.ERROR, null, (Object) "Exception in task 0.0", classified)).isFalse();
        assertThat(executor.isEnabled(Level.ERROR, null, "Aborting job {}", "3f2", classified)).isFalse();
        assertThat(executor.isEnabled(Level.ERROR, null, (Object) "Exception in task 0.0", new IllegalStateException("other")))
                .as("an unclassified failure keeps its trace").isTrue();
    }
}
