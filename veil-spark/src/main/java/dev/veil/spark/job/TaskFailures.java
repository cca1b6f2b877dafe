package dev.veil.spark.job;

import dev.veil.protocol.receipt.FailureCode;
import java.util.Set;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * The driver's view of a job's failed tasks, which decides what Spark may retry ({@link BatchJob#SPARK_SETTINGS} gives
 * a task several attempts, so that a lost executor does not fail the batch). A task that failed with a Veil code decided
 * by the model, the data, a limit or a broker ({@code inference_failed}, {@code timeout}, {@code dataset_invalid},
 * {@code limit_exceeded}, {@code contract_refused}, ...) fails the same way on any instance: its stage is cancelled at
 * once instead of running the partition's rows through the model again. What is retried is what the cluster did:
 * an executor lost mid-task, a task given to an executor that holds no instance of the job
 * ({@code instance_not_attested}), or a failure the enclave does not tell apart from the storage's or the network's
 * ({@code internal_error}, Spark's own exceptions).
 *
 * <p>The job's outcome is told by the first decisive failure seen ({@link #decisive}): once Spark gives up on a task
 * because the executors left to it were excluded, its exception carries no code.
 */
final class TaskFailures extends SparkListener {
    /** Codes a retry on another instance may not meet again. */
    private static final Set<FailureCode> RETRIED = Set.of(FailureCode.INSTANCE_NOT_ATTESTED, FailureCode.INTERNAL_ERROR);
    private final SparkContext spark;
    private PartitionFailure firstFinal;
    private PartitionFailure firstRetried;

    TaskFailures(SparkContext spark) {
        this.spark = spark;
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (!(taskEnd.reason() instanceof ExceptionFailure failure) || failure.exception().isEmpty()) {
            return;   // a success, a lost executor, a kill, a denied commit: Spark's to retry
        }
        PartitionFailure f = PartitionFailure.in(failure.exception().get());
        if (f == null) {
            return;
        }
        boolean retried = RETRIED.contains(PartitionFailure.codeIn(f));
        synchronized (this) {
            if (retried && firstRetried == null) {
                firstRetried = f;
            } else if (!retried && firstFinal == null) {
                firstFinal = f;
            }
        }
        if (!retried) {
            // the code names the failure, not the data; Spark prints the reason with the cancellation
            spark.cancelStage(taskEnd.stageId(), "veil: a task failed with " + PartitionFailure.codeIn(f).id());
        }
    }

    /**
     * What tells the failed job's outcome: the first failure that cancelled its stage, else the code {@code jobFailure}
     * (Spark's exception for the job) carries, else the first retried failure seen (Spark ran out of executors or
     * attempts for it), else null.
     */
    synchronized Throwable decisive(Throwable jobFailure) {
        if (firstFinal != null) {
            return firstFinal;
        }
        if (PartitionFailure.codeIn(jobFailure) != null) {
            return jobFailure;
        }
        return firstRetried;
    }
}
