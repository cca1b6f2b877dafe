package dev.veil.enclave.inference;

import dev.veil.tensor.ElementType;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * What {@link BatchPipeline} runs rows on: the enclave's {@link ModelRunner}, or (in the benchmarks) ONNX Runtime in
 * the benchmark's own process, the plaintext baseline the enclave is compared with.
 */
public interface RowModel {
    /** A run's {@code rowOutput} that asks for every output a run of rows gives, rather than one. */
    int EVERY_OUTPUT = -1;

    /**
     * The element types ({@link ElementType#FLOAT32} or {@link ElementType#INT64}) of the outputs a run of rows gives:
     * the model's float32 and int64 tensor outputs, in its order.
     */
    List<ElementType> rowOutputTypes();

    /**
     * Runs a group of rows (the first values of {@code values}, as many as {@code shape} holds) in consecutive calls of
     * {@code rowsPerCall} rows, handing each call's outputs to {@code sink} in order: the one output at position
     * {@code rowOutput} of {@link #rowOutputTypes()} (what an output policy encodes), or all of them for
     * {@link #EVERY_OUTPUT}.
     */
    void runBatches(long[] shape, float[] values, int rowsPerCall, int rowOutput, ModelRunner.BatchSink sink)
            throws InferenceException, IOException;

    /** {@link #runBatches(long[], float[], int, int, ModelRunner.BatchSink)} giving every output. */
    default void runBatches(long[] shape, float[] values, int rowsPerCall, ModelRunner.BatchSink sink) throws InferenceException, IOException {
        runBatches(shape, values, rowsPerCall, EVERY_OUTPUT, sink);
    }

    /** Stops the run once {@code limit} has passed from now; later calls fail. Cancel the returned timer when done. */
    ScheduledFuture<?> terminateAfter(Duration limit);

    /** Fails with {@link dev.veil.protocol.receipt.FailureCode#TIMEOUT} once the run was stopped. */
    void requireNotTerminated() throws InferenceException;
}
