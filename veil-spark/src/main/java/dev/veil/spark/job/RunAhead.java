package dev.veil.spark.job;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A partition's model runs, one at a time, one ahead of the task's thread: {@link #next} starts a group's run on
 * another thread and hands back the previous group's, so the task reads and decrypts the next group of rows while the
 * model runs (on a machine with a core to spare, the inference worker's run and the executor's Parquet reading overlap
 * instead of taking turns). Results come back in the order the runs were started; a run's failure is thrown, as it
 * was, by the call that hands it back. At most one run is under way per partition; the instance runs its model for one
 * caller at a time whatever the partitions ({@link ExecutorInstance#run}).
 */
final class RunAhead implements AutoCloseable {
    private static final ExecutorService RUNS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "veil-partition-run");
        t.setDaemon(true);
        return t;
    });

    /** One group's run: the group's output cells, one per input row. */
    interface Run {
        List<byte[]> outputCells() throws Exception;
    }

    /** A finished run: the input rows' indices and their output cells, in the same order. */
    record Done(List<Long> indices, List<byte[]> rows) {
    }

    private List<Long> pendingIndices;
    private Future<List<byte[]>> pending;

    /** Starts {@code run} on the rows {@code indices}, after the previous run ended; returns that run, or null when none. */
    Done next(List<Long> indices, Run run) throws Exception {
        Done previous = last();
        pendingIndices = indices;
        pending = RUNS.submit(run::outputCells);
        return previous;
    }

    /** Waits for the run under way and returns it, or null when there is none. */
    Done last() throws Exception {
        if (pending == null) {
            return null;
        }
        List<byte[]> rows;
        try {
            rows = pending.get();   // interrupted: the run stays pending, for close() to wait for
        } catch (ExecutionException e) {
            pending = null;
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
        Done done = new Done(pendingIndices, rows);
        pending = null;
        pendingIndices = null;
        return done;
    }

    /**
     * Waits for a run still under way (the task failed, or was interrupted, before it took it), which the instance's time
     * budget bounds: a run of this partition does not outlive its task unless the task is interrupted again while it
     * waits here. Its outcome is dropped; the task fails with its own.
     */
    @Override
    public void close() {
        if (pending == null) {
            return;
        }
        try {
            pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException dropped) {
            // the task is failing with its own exception already
        }
        pending = null;
    }
}
