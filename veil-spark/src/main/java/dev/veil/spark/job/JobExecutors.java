package dev.veil.spark.job;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskStart;

/**
 * The driver's account of which executors ran a task of the job, whatever became of the task (failed, retried
 * elsewhere, killed as a speculative copy, denied its commit): each may hold an enclave instance that received keys,
 * and each such instance owes the model provider a discard receipt, or is reported lost with its executor. Spark's
 * accumulators keep only the committed attempt's receipts, so they cannot tell this.
 *
 * <p>Spark delivers listener events on its own thread, in order: once the job's end was delivered, so were its tasks'
 * starts ({@link #awaitJobsEnded}).
 */
final class JobExecutors extends SparkListener {
    private final Map<String, String> hostOfExecutor = new LinkedHashMap<>();
    private final Set<String> removed = new LinkedHashSet<>();
    private int started;
    private int ended;

    @Override
    public synchronized void onJobStart(SparkListenerJobStart jobStart) {
        started++;
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd jobEnd) {
        ended++;
        notifyAll();
    }

    @Override
    public synchronized void onTaskStart(SparkListenerTaskStart taskStart) {
        hostOfExecutor.putIfAbsent(taskStart.taskInfo().executorId(), taskStart.taskInfo().host());
    }

    @Override
    public synchronized void onExecutorRemoved(SparkListenerExecutorRemoved executorRemoved) {
        removed.add(executorRemoved.executorId());
    }

    /** Waits, at most {@code limit}, until every job started since this listener was added has ended. */
    synchronized void awaitJobsEnded(Duration limit) throws InterruptedException {
        long until = System.nanoTime() + limit.toNanos();
        while ((started == 0 || ended < started) && System.nanoTime() < until) {
            wait(Math.max(1, (until - System.nanoTime()) / 1_000_000));
        }
    }

    /** The executors, by id, that started a task and were not removed since: their host. */
    synchronized Map<String, String> live() {
        Map<String, String> m = new LinkedHashMap<>(hostOfExecutor);
        m.keySet().removeAll(removed);
        return m;
    }

    /** How many executors started a task and were removed since (lost, with whatever instance they held). */
    synchronized int lost() {
        return (int) hostOfExecutor.keySet().stream().filter(removed::contains).count();
    }
}
