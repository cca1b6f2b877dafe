package dev.veil.spark.job;

import dev.veil.protocol.receipt.FailureCode;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * The driver's view of a job's failed tasks, which decides what Spark may retry ({@link BatchJob#SPARK_SETTINGS} gives
 * a task several attempts, so that a lost executor does not fail the batch). Only what the cluster did is retried: an
 * executor lost mid-task (Spark's own failure reason, not an exception), and a task given to an executor that holds no
 * instance of the job ({@code instance_not_attested}: the lost executor's replacement). A task that failed with any
 * exception else, whatever its code ({@code inference_failed}, {@code timeout}, {@code limit_exceeded},
 * {@code internal_error}, which a model can cause too, by exhausting memory) or none (Spark's own, such as the writer
 * failing on what the model produced), cancels its stage at once instead of running the partition's rows through the
 * model again, on another instance.
 *
 * <p>Spark delivers this listener's events on its own thread: between a failure and the cancellation, Spark may
 * already have launched the task's next attempt, which the cancellation kills (docs/SCALE-OUT.md). The job's outcome is
 * told by the first such failure ({@link #decisive}): once Spark gives up on a task because the executors left to it
 * were excluded, its exception carries no code.
 */
final class TaskFailures extends SparkListener {
    private final SparkContext spark;
    /** The first failure that cancelled its stage: a Veil failure, or null with {@link #sparksOwn} for Spark's own. */
    private Throwable firstFinal;
    private boolean sparksOwn;
    private PartitionFailure firstRetried;

    TaskFailures(SparkContext spark) {
        this.spark = spark;
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (!(taskEnd.reason() instanceof ExceptionFailure failure)) {
            return;   // a success, a lost executor, a kill, a denied commit: Spark's to retry
        }
        PartitionFailure f = failure.exception().isEmpty() ? null : PartitionFailure.in(failure.exception().get());
        FailureCode code = f == null ? null : PartitionFailure.codeIn(f);
        synchronized (this) {
            if (code == FailureCode.INSTANCE_NOT_ATTESTED) {
                if (firstRetried == null) {
                    firstRetried = f;
                }
                return;
            }
            if (firstFinal == null && !sparksOwn) {
                firstFinal = f;
                sparksOwn = f == null;
            }
        }
        // a fixed reason: the code names the failure, not the data (Spark prints the reason with the cancellation)
        spark.cancelStage(taskEnd.stageId(), "veil: a task failed with " + (code == null ? "an error of Spark's" : code.id()));
    }

    /**
     * What tells the failed job's outcome: the first Veil failure that cancelled its stage; null if the first was
     * Spark's own (told as internal); else the code {@code jobFailure} (Spark's exception for the job) carries, else the
     * first retried failure seen (Spark ran out of executors for it), else null.
     */
    synchronized Throwable decisive(Throwable jobFailure) {
        if (firstFinal != null || sparksOwn) {
            return firstFinal;
        }
        if (PartitionFailure.codeIn(jobFailure) != null) {
            return jobFailure;
        }
        return firstRetried;
    }
}
