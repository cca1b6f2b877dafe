package dev.veil.provider.serving;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;

/**
 * CPU work a request's thread hands to another core while it does other work (hashing an answer's 1.5 MB output while
 * the log receipt's signature is checked). Joined, a task no helper has started yet runs on the joining thread, so a
 * busy pool never makes a request wait longer than doing the work itself would.
 */
final class OffThread {
    private static final ExecutorService HELPERS = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
        Thread t = new Thread(r, "veil-client-helper");
        t.setDaemon(true);
        return t;
    });

    private OffThread() {
    }

    static <T> FutureTask<T> start(Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        try {
            HELPERS.execute(task);
        } catch (RejectedExecutionException e) {
            // never shut down; if it were, join runs the work
        }
        return task;
    }

    static <T> T join(FutureTask<T> task) {
        task.run();   // a no-op when a helper has taken it
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
