package dev.veil.enclave.session;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A session's model loading into its inference worker on a thread of its own, so that the session decrypts and reads
 * the dataset ahead meanwhile (ONNX Runtime's session creation takes a large model hundreds of milliseconds, during
 * which the data provider's upload used to wait). The load is bounded by its own limit inside {@link ModelRunner}.
 * Whoever starts a load waits for it before the session ends ({@link #settled()}), so that the runner it gives is
 * always closed.
 */
final class ModelLoad {
    /** Loads the model: a {@link ModelRunner}'s construction. */
    @FunctionalInterface
    interface Loader {
        ModelRunner load() throws InferenceException;
    }

    private final CompletableFuture<ModelRunner> runner = new CompletableFuture<>();

    private ModelLoad(Loader loader, String sessionId) {
        Thread t = new Thread(() -> {
            try {
                runner.complete(loader.load());
            } catch (Throwable e) {
                runner.completeExceptionally(e);
            }
        }, "veil-model-load-" + sessionId);
        t.setDaemon(true);
        t.start();
    }

    static ModelLoad start(Loader loader, String sessionId) {
        return new ModelLoad(loader, sessionId);
    }

    /** Waits for the load: the runner, or the load's own failure as it was thrown. */
    ModelRunner await() throws InferenceException {
        try {
            return waitUninterruptibly();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InferenceException ie) {
                throw ie;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        }
    }

    /** Waits for the load to end, whatever its outcome: the runner, or null when it failed. */
    ModelRunner settled() {
        try {
            return waitUninterruptibly();
        } catch (ExecutionException e) {
            return null;
        }
    }

    /** The load's failure, after waiting for it to end; null when the model loaded. */
    InferenceException failure() {
        try {
            await();
            return null;
        } catch (InferenceException e) {
            return e;
        } catch (RuntimeException e) {
            return null;   // not a load refusal: the caller's own failure stands (a JVM error is not swallowed here)
        }
    }

    /**
     * A load cannot be abandoned (its runner holds a worker process to close), so an interrupt is kept for the caller
     * to see once the load has ended; the load's own limit bounds the wait.
     */
    private ModelRunner waitUninterruptibly() throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return runner.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
