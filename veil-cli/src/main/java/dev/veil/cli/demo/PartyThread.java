package dev.veil.cli.demo;

import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * One provider's preparation on a thread of its own: the model provider and the data provider would prepare on their
 * own machines at the same time, so the demo does not make one wait for the other (the data provider's sealing of a
 * large dataset overlaps the model provider's key generation and sealing). Each side touches only its own directory
 * and keys; nothing is shared between the two threads.
 */
final class PartyThread<T> {
    private final FutureTask<T> task;

    private PartyThread(FutureTask<T> task) {
        this.task = task;
    }

    static <T> PartyThread<T> start(String name, Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return new PartyThread<>(task);
    }

    /** The result, once ready; the side's failure is thrown as it was. */
    T join() throws Exception {
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /**
     * Waits for the side to finish and returns its result, or null if it failed: used on the way out after the other
     * side failed, so that no key is left open and no thread goes on writing into the work folder.
     */
    T joinQuietly() {
        try {
            return task.get();
        } catch (ExecutionException | CancellationException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
