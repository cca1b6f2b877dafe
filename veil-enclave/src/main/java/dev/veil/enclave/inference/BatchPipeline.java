package dev.veil.enclave.inference;

import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.stream.RowReader;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Streams a dataset through a model: one thread reads (decrypts and parses) the next batches while the calling thread
 * runs ONNX Runtime and encodes the outputs, in input order. The two meet in a queue of {@link #BUFFERS} buffers,
 * allocated once and reused, so a slow stage holds the fast one back instead of growing memory: input memory is
 * {@code BUFFERS × groupRows × rowSize} floats, whatever the dataset's length. Every buffer is zeroed at the end.
 *
 * <p>A buffer holds a group of consecutive batches, up to {@link #GROUP_BYTES}, that crosses to the inference worker in
 * one request ({@link ModelRunner#runBatches}): ONNX Runtime still runs one batch of {@code batchRows} rows per call,
 * but the pipe is crossed, and the two processes wake each other, once per group instead of once per batch, which for
 * a small model is most of the cost (a 64 KiB batch of the digits model runs in tens of microseconds).
 *
 * <p>The model may still be loading when the pipeline starts ({@link ModelReady}): the reader then reads ahead (into
 * the same bounded buffers) while ONNX Runtime loads it, and the model gets rows only once it is ready. Whatever the
 * reader found meanwhile is told only after that, so a model that fails to load fails the run as it would have had it
 * loaded before the first row was read.
 *
 * <p>The contract's limits hold while streaming: more rows than {@code maxRows} fails as soon as the reader passes it,
 * and ONNX Runtime is terminated once the time limit has passed. The run ends only once the reader has reached the
 * dataset's verified end, or with the first failure of either stage.
 */
public final class BatchPipeline {
    /** One batch being run, one being read, one ready: enough to overlap reading and inference. */
    static final int BUFFERS = 3;
    /** The most input bytes a group of batches holds (one batch when a batch alone is larger). */
    static final long GROUP_BYTES = 4L << 20;
    /** How often the runner, waiting for a batch, looks whether the time limit has passed. */
    private static final long WAKE_MS = 200;

    /**
     * The largest row the pipeline takes: its three buffers hold at least one row each, and the enclave's budget for
     * them is about 256 MiB beyond the model and ONNX Runtime's own.
     */
    public static final long MAX_ROW_BYTES = 64L << 20;
    /** How long a stopped reader may take to notice before its input is cut under it. */
    private static final long READER_STOP_MS = 1000;

    /** What the reader hands to the runner: rows in a buffer, or the end, or the reader's failure. */
    private record Batch(float[] buffer, int rows, Throwable failure) {
        static final Batch END = new Batch(null, 0, null);
    }

    /** What the pipeline read and wrote. */
    public record Outcome(long inputRows, OutputEncoder.Encoded output) {
    }

    /** The model rows run on, once it is ready: e.g. loaded in its inference worker while the reader reads ahead. */
    @FunctionalInterface
    public interface ModelReady {
        /** Waits until the model can take rows; its failure to load is the run's failure. */
        RowModel await() throws InferenceException;
    }

    /** Reads the dataset to its end after the last row (e.g. the sealed stream's verified end). */
    public interface EndCheck {
        void requireEnd() throws IOException, TensorFormatException;
    }

    private BatchPipeline() {
    }

    /**
     * @param batchRows rows per ONNX Runtime call
     * @param maxRows the contract's row limit
     * @param timeLimit what is left of the contract's time limit
     * @param unblockReader cuts the reader's input (e.g. shuts the connection's input down), for a reader that a
     *                      stop cannot reach because it waits in a socket read, which ignores interrupts
     */
    public static Outcome run(RowReader reader, EndCheck end, RowModel runner, OutputEncoder encoder, int batchRows,
                              long maxRows, Duration timeLimit, Runnable unblockReader)
            throws InferenceException, IOException, TensorFormatException {
        return run(reader, end, () -> runner, encoder, batchRows, maxRows, timeLimit, unblockReader);
    }

    /**
     * As {@link #run(RowReader, EndCheck, RowModel, OutputEncoder, int, long, Duration, Runnable)}, with a model that
     * may still be loading: the reader starts at once, and {@code model} is waited for before the first call. The
     * time limit counts from this call.
     */
    public static Outcome run(RowReader reader, EndCheck end, ModelReady model, OutputEncoder encoder, int batchRows,
                              long maxRows, Duration timeLimit, Runnable unblockReader)
            throws InferenceException, IOException, TensorFormatException {
        long deadline = System.nanoTime() + (timeLimit.isNegative() ? 0 : timeLimit.toNanos());
        int rowSize = reader.rowSize();
        long[] rowShape = reader.rowShape();
        requireRowFits(rowSize);
        int groupRows = groupRows(batchRows, rowSize);
        BlockingQueue<float[]> free = new ArrayBlockingQueue<>(BUFFERS);
        List<float[]> all = new ArrayList<>(BUFFERS);
        for (int i = 0; i < BUFFERS; i++) {
            float[] b = new float[Math.multiplyExact(groupRows, rowSize)];
            all.add(b);
            free.add(b);
        }
        BlockingQueue<Batch> ready = new ArrayBlockingQueue<>(BUFFERS + 1);
        Thread producer = new Thread(() -> produce(reader, end, free, ready, groupRows, maxRows), "veil-batch-reader");
        producer.setDaemon(true);
        ScheduledFuture<?> timer = null;
        long rows = 0;
        producer.start();
        try {
            RowModel runner = model.await();
            // Only the output the policy encodes comes back from each call (the others stay in ONNX Runtime).
            int output = encoder.encodedOutput(runner.rowOutputTypes());
            timer = runner.terminateAfter(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            while (true) {
                Batch b;
                while ((b = ready.poll(WAKE_MS, TimeUnit.MILLISECONDS)) == null) {
                    runner.requireNotTerminated();   // a stalled upload must not outlive the time limit
                }
                if (b.failure() instanceof Error error) {
                    throw error;
                }
                if (b.failure() != null) {
                    throw (Exception) b.failure();
                }
                if (b == Batch.END) {
                    break;
                }
                long[] shape = new long[rowShape.length + 1];
                shape[0] = b.rows();
                System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
                runner.runBatches(shape, b.buffer(), batchRows, output, encoder::accept);
                rows += b.rows();
                free.add(b.buffer());
            }
            return new Outcome(rows, encoder.finish());
        } catch (InferenceException | IOException | TensorFormatException | RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException(FailureCode.ENCLAVE_SHUTDOWN, "the run was interrupted");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            if (timer != null) {
                timer.cancel(false);
            }
            stop(producer, unblockReader);
            all.forEach(b -> Arrays.fill(b, 0f));
        }
    }

    /** Rows per group: whole batches, as many as fit {@link #GROUP_BYTES} (at least one). */
    static int groupRows(int batchRows, int rowSize) {
        long batchBytes = (long) batchRows * rowSize * Float.BYTES;
        long batches = Math.max(1, GROUP_BYTES / Math.max(1, batchBytes));
        return (int) Math.min(Integer.MAX_VALUE / Math.max(1, rowSize), batches * batchRows);
    }

    private static void produce(RowReader reader, EndCheck end, BlockingQueue<float[]> free, BlockingQueue<Batch> ready,
                                int groupRows, long maxRows) {
        try {
            long rows = 0;
            while (true) {
                float[] buffer = free.take();
                int n = reader.read(buffer, groupRows);
                if (n == 0) {
                    end.requireEnd();
                    ready.put(Batch.END);
                    return;
                }
                rows += n;
                if (rows > maxRows) {
                    throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the dataset has more than " + maxRows
                            + " rows but the contract allows limits.max_rows = " + maxRows + "; split the dataset or agree a higher limit");
                }
                ready.put(new Batch(buffer, n, null));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();   // the runner stopped first; nobody waits for more
        } catch (Throwable e) {
            ready.offer(new Batch(null, 0, e));
        }
    }

    private static void requireRowFits(int rowSize) throws InferenceException {
        long bytes = (long) rowSize * Float.BYTES;
        if (bytes > MAX_ROW_BYTES) {
            throw new InferenceException(FailureCode.DATASET_INVALID, "a row of the dataset holds " + rowSize + " values ("
                    + (bytes >> 20) + " MiB), more than the " + (MAX_ROW_BYTES >> 20) + " MiB a row may take in the enclave; "
                    + "split the rows or send smaller ones");
        }
    }

    /**
     * Stops the reader (it may be blocked on a free buffer, or in a read of its input) and waits until it no longer
     * touches any buffer. A reader still in a read after a moment has its input cut under it.
     */
    private static void stop(Thread producer, Runnable unblockReader) {
        producer.interrupt();
        boolean interrupted = false;
        boolean cut = false;
        while (producer.isAlive()) {
            try {
                producer.join(cut ? 0 : READER_STOP_MS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (producer.isAlive() && !cut) {
                cut = true;
                unblockReader.run();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
