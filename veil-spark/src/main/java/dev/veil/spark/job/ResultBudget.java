package dev.veil.spark.job;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.protocol.receipt.FailureCode;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much of the model's outputs an executor JVM holds in memory, over all its tasks at once. The model decides how
 * large its outputs are, and an executor whose heap runs out dies (Spark ends it on an {@code OutOfMemoryError} in any
 * thread but the task's, and Veil's launcher refuses {@code -XX:+ExitOnOutOfMemoryError}), which would lose its
 * instance and have its task retried elsewhere: a failure of the model's choosing turned into one of the cluster's
 * ({@link TaskFailures}). So a run's outputs may take a sixteenth of the heap ({@link #perRun}; an instance runs one
 * at a time, and the run's outputs are held about three times over while they become rows), and the results of every
 * partition the executor holds together a quarter ({@link #reserve}); past either, the partition fails with
 * {@code limit_exceeded}, which is not retried.
 */
final class ResultBudget {
    private static final AtomicLong HELD = new AtomicLong();

    private ResultBudget() {
    }

    /** The largest outputs one model run may return. */
    static long perRun() {
        return Runtime.getRuntime().maxMemory() / 16;
    }

    /** What the results of all partitions held in this JVM may take together. */
    static long total() {
        return Runtime.getRuntime().maxMemory() / 4;
    }

    /** One partition's share, given back when the task ends ({@link #close}). */
    static final class Share implements AutoCloseable {
        private long bytes;

        /** Takes {@code n} more bytes of results, or fails the partition when the executor holds too much already. */
        void take(long n) throws InferenceException {
            if (HELD.addAndGet(n) > total()) {
                HELD.addAndGet(-n);
                throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the partitions' results pass what the executor holds");
            }
            bytes += n;
        }

        @Override
        public void close() {
            HELD.addAndGet(-bytes);
            bytes = 0;
        }
    }
}
