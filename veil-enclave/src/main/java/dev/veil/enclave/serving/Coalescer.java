package dev.veil.enclave.serving;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * Coalesces concurrent requests into one model run (issue 8 item 8). A request waits in a bounded queue; one worker
 * takes the oldest, adds every queued request of the same shape ({@link Job#shapeKey()}) in arrival order while the
 * rows fit {@code maxBatchRows}, and if the batch is not full waits at most {@code maxWait} (≤ 2 ms) for more. The
 * model then runs once on the batch, and each request gets its own part of the output. Under load the queue fills
 * while a run is under way, so batches grow with the load without any wait.
 *
 * <p>A batch whose run fails is run again one request at a time, so that each request gets the outcome of its own
 * rows: one data provider's rows can never fail another's request, nor tell it anything by doing so.
 *
 * @param <I> one request's input
 * @param <O> one request's output
 */
public final class Coalescer<I, O> implements AutoCloseable {
    /** The longest a batch may wait for more requests. */
    public static final Duration MAX_WAIT_LIMIT = Duration.ofMillis(2);

    /** Runs the model once on several requests' inputs, answering one output per input in the same order. */
    @FunctionalInterface
    public interface BatchRunner<I, O> {
        List<O> run(List<I> inputs) throws Exception;
    }

    /** A request as the coalescer sees it: its rows, and what must match for requests to share a run. */
    public interface Job {
        int rows();

        /** Requests share a run only with equal keys (the input's dimensions other than the batch dimension). */
        Object shapeKey();
    }

    /** The queue is full: the request is refused at once (the server answers 503). */
    public static final class Full extends Exception {
        Full() {
            super("the batch queue is full", null, false, false);
        }
    }

    private record Pending<I, O>(I input, int rows, Object key, CompletableFuture<O> result) {
    }

    private final BatchRunner<I, O> runner;
    private final java.util.function.Function<I, Job> describe;
    private final int maxBatchRows;
    private final long maxWaitNanos;
    private final int queueCapacity;
    private final IntConsumer batchRowsListener;
    private final ArrayDeque<Pending<I, O>> queue = new ArrayDeque<>();
    private final Thread worker;
    private boolean closed;

    /**
     * @param maxBatchRows rows per run; 1 request per run whatever its rows when the model has no free batch dimension
     *                     ({@code coalesce} false)
     * @param batchRowsListener told the rows of each batch taken from the queue, before it runs (a metric)
     */
    public Coalescer(BatchRunner<I, O> runner, java.util.function.Function<I, Job> describe, boolean coalesce, int maxBatchRows,
                     Duration maxWait, int queueCapacity, IntConsumer batchRowsListener) {
        if (maxBatchRows < 1 || queueCapacity < 1 || maxWait.isNegative() || maxWait.compareTo(MAX_WAIT_LIMIT) > 0) {
            throw new IllegalArgumentException("a coalescer needs positive bounds and a wait of at most " + MAX_WAIT_LIMIT.toMillis() + " ms");
        }
        this.runner = Objects.requireNonNull(runner);
        this.describe = Objects.requireNonNull(describe);
        this.maxBatchRows = coalesce ? maxBatchRows : 0;
        this.maxWaitNanos = maxWait.toNanos();
        this.queueCapacity = queueCapacity;
        this.batchRowsListener = batchRowsListener;
        this.worker = new Thread(this::work, "veil-coalescer");
        worker.setDaemon(true);
        worker.start();
    }

    /** Queues {@code input}; the future completes with its output or the run's failure. */
    public CompletableFuture<O> submit(I input) throws Full {
        Job job = describe.apply(input);
        CompletableFuture<O> result = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                result.completeExceptionally(new IllegalStateException("the coalescer is closed"));
                return result;
            }
            if (queue.size() >= queueCapacity) {
                throw new Full();
            }
            Pending<I, O> pending = new Pending<>(input, job.rows(), job.shapeKey(), result);
            queue.addLast(pending);
            notifyAll();
            // A request its caller gave up on (timeout) leaves the queue at once and is never run: its memory goes with
            // its admission slot, and no model time is spent on rows whose budget was given back (AbandonedRequestAttackTest).
            result.whenComplete((o, e) -> {
                if (result.isCancelled()) {
                    synchronized (this) {
                        queue.remove(pending);
                    }
                }
            });
        }
        return result;
    }

    private void work() {
        while (true) {
            List<Pending<I, O>> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) {
                return;
            }
            run(batch);
        }
    }

    /** The next batch: the oldest request and the queued ones of its shape that fit, after at most the bounded wait. */
    private synchronized List<Pending<I, O>> nextBatch() throws InterruptedException {
        while (queue.isEmpty() && !closed) {
            wait();
        }
        if (closed && queue.isEmpty()) {
            return null;
        }
        List<Pending<I, O>> batch = new ArrayList<>();
        Pending<I, O> first = queue.pollFirst();
        while (first != null && first.result().isDone()) {   // cancelled while the lock was taken: never run
            first = queue.pollFirst();
        }
        if (first == null) {
            return List.of();
        }
        batch.add(first);
        int rows = first.rows();
        rows = take(batch, rows, first.key());
        long deadline = System.nanoTime() + maxWaitNanos;
        while (rows < maxBatchRows && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(left / 1_000_000, (int) (left % 1_000_000));
            rows = take(batch, rows, first.key());
        }
        return batch;
    }

    /** Moves queued requests of {@code key} into the batch, in order, while their rows fit. */
    private int take(List<Pending<I, O>> batch, int rows, Object key) {
        Iterator<Pending<I, O>> it = queue.iterator();
        while (it.hasNext() && rows < maxBatchRows) {
            Pending<I, O> p = it.next();
            if (p.result().isDone()) {
                it.remove();
            } else if (p.key().equals(key) && rows + p.rows() <= maxBatchRows) {
                batch.add(p);
                rows += p.rows();
                it.remove();
            }
        }
        return rows;
    }

    private void run(List<Pending<I, O>> batch) {
        if (batch.isEmpty()) {
            return;
        }
        // Recorded for the batch as formed (from arrival and shapes), before the model runs: whether a run succeeds, and
        // so whether a failed batch is run again a request at a time, can be the data's doing, and the metric is public
        // (FailedRunInBatchRowsMetricAttackTest).
        batchRowsListener.accept(batch.stream().mapToInt(Pending::rows).sum());
        if (batch.size() > 1 && runAll(batch)) {
            return;
        }
        for (Pending<I, O> p : batch) {   // alone: its own outcome, whatever the others' rows do
            if (!p.result().isDone()) {   // given up on while the batch ran: its rows were given back, it is not run
                runAll(List.of(p));
            }
        }
    }

    /** One run over the batch; false when it failed (a single request's failure is then its answer). */
    private boolean runAll(List<Pending<I, O>> batch) {
        List<I> inputs = new ArrayList<>(batch.size());
        for (Pending<I, O> p : batch) {
            inputs.add(p.input());
        }
        List<O> outputs;
        try {
            outputs = runner.run(inputs);
            if (outputs.size() != batch.size()) {
                throw new IllegalStateException("the runner answered " + outputs.size() + " outputs for " + batch.size() + " inputs");
            }
        } catch (Exception | Error e) {
            if (batch.size() == 1) {
                batch.get(0).result().completeExceptionally(e);
                if (e instanceof Error error && !(error instanceof OutOfMemoryError)) {
                    throw error;
                }
            }
            return false;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(outputs.get(i));
        }
        return true;
    }

    /** Stops taking requests; those queued fail, the run under way finishes. */
    @Override
    public void close() {
        List<Pending<I, O>> dropped;
        synchronized (this) {
            closed = true;
            dropped = new ArrayList<>(queue);
            queue.clear();
            notifyAll();
        }
        for (Pending<I, O> p : dropped) {
            p.result().completeExceptionally(new IllegalStateException("the coalescer is closed"));
        }
    }
}
