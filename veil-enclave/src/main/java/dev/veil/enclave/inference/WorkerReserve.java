package dev.veil.enclave.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One inference worker started ahead of need, so that a batch session does not wait for a JVM to start and ONNX Runtime
 * to initialise (0.2 to 0.3 s of CPU, 0.5 to 1 s of wall time on a busy machine) after its keys are released: the enclave
 * server starts one at boot ({@link #refill()}), a session's {@link ModelRunner} takes it, and the next one is started
 * once that runner's worker has exited, so the next session finds one ready.
 *
 * <p>A reserve worker is a fresh process that has loaded nothing but ONNX Runtime: ONNX Runtime's native libraries
 * were verified just before it started, as for any worker ({@link InferenceWorker#start}); it has its own empty
 * private directory; it serves exactly one runner, which sends the model only after the session's key release checks
 * passed, bounds the load by the session's limit (the worker's greeting is read inside that limit), and ends it as it
 * ends any worker. A worker is never handed to a second runner. There is at most one in reserve, whoever connects,
 * so hellos cannot multiply processes. One that died (or was killed by the host) is not used: the runner starts its
 * own. The reserve only holds workers of the smallest heap ({@link ModelRunner#MIN_WORKER_HEAP}, models up to 64 MiB);
 * a larger model's runner starts its own.
 */
public final class WorkerReserve implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkerReserve.class);
    private static final ExecutorService STARTER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "veil-worker-reserve");
        t.setDaemon(true);
        return t;
    });

    /** A started worker that has loaded nothing yet, and the empty private directory it runs in. */
    record Spare(InferenceWorker worker, Path dir) {
        /** Ends the worker, waits for it, and removes its directory. */
        void discard() {
            if (worker.stop()) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // not empty means something wrote into it; leave it for the operator to see
                }
            }
        }
    }

    private final Path scratchParent;
    /** The worker being started or ready, or null. */
    private CompletableFuture<Spare> next;
    private boolean closed;
    /** No worker is started after this; the one held, if any, is still handed out. */
    private boolean lastRefillDone;

    /** @param scratchParent where each worker's empty private directory is created, as for the runners it serves */
    public WorkerReserve(Path scratchParent) {
        this.scratchParent = scratchParent;
    }

    /** Starts a worker in the background unless one is held already or the reserve is closed. */
    public synchronized void refill() {
        if (closed || lastRefillDone || next != null) {
            return;
        }
        next = CompletableFuture.supplyAsync(this::start, STARTER);
    }

    /**
     * Starts no worker after this one (a process that serves one session, like the demo, would otherwise start a
     * worker for a next session when the first one's exits, only to kill it at its end). The worker held or being
     * started, if any, is still handed to the next runner that asks.
     */
    public synchronized void stopRefilling() {
        lastRefillDone = true;
    }

    private Spare start() {
        Path dir = null;
        try {
            dir = ModelRunner.createEmptyDir(scratchParent);
            return new Spare(InferenceWorker.start(dir, ModelRunner.MIN_WORKER_HEAP, OrtRuntime.LOG_LEVEL), dir);
        } catch (InferenceException | IOException | RuntimeException e) {
            if (e instanceof UntrustedNativeLibraryException) {
                // the boot's own check of the libraries (NativeLibraries.prepareForWorkers does not hash them): the operator
                // hears of it now, not at the first session's failure
                LOG.warn("{}", dev.veil.enclave.LogText.escape(e.getMessage()));
            }
            // the runner that would have taken it starts its own, and reports a failure in its own words
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // left for the operator
                }
            }
            return null;
        }
    }

    /**
     * The reserve's worker for a runner whose worker needs {@code heapBytes}, or null when there is none, it is of
     * another heap, or it has died. The caller owns what it gets: it ends the worker and removes its directory.
     */
    Spare take(long heapBytes) {
        CompletableFuture<Spare> f;
        synchronized (this) {
            if (closed || next == null || heapBytes != ModelRunner.MIN_WORKER_HEAP) {
                return null;
            }
            f = next;
            next = null;
        }
        Spare s = await(f);
        if (s != null && !s.worker().alive()) {
            s.discard();
            return null;
        }
        return s;
    }

    private static Spare await(CompletableFuture<Spare> f) {
        try {
            return f.join();   // spawning returns at once; the worker's start is awaited later, within the load limit
        } catch (CompletionException e) {
            return null;
        }
    }

    /** Ends the worker held, if any, and waits for it to exit; later refills do nothing. */
    @Override
    public void close() {
        CompletableFuture<Spare> f;
        synchronized (this) {
            closed = true;
            f = next;
            next = null;
        }
        Spare s = f == null ? null : await(f);
        if (s != null) {
            s.discard();
        }
    }
}
