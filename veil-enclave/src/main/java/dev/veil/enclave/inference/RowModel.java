package dev.veil.enclave.inference;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;

/**
 * What {@link BatchPipeline} runs rows on: the enclave's {@link ModelRunner}, or (in the benchmarks) ONNX Runtime in
 * the benchmark's own process, the plaintext baseline the enclave is compared with.
 */
public interface RowModel {
    /**
     * Runs a group of rows (the first values of {@code values}, as many as {@code shape} holds) in consecutive calls of
     * {@code rowsPerCall} rows, handing each call's outputs to {@code sink} in order.
     */
    void runBatches(long[] shape, float[] values, int rowsPerCall, ModelRunner.BatchSink sink) throws InferenceException, IOException;

    /** Stops the run once {@code limit} has passed from now; later calls fail. Cancel the returned timer when done. */
    ScheduledFuture<?> terminateAfter(Duration limit);

    /** Fails with {@link dev.veil.protocol.receipt.FailureCode#TIMEOUT} once the run was stopped. */
    void requireNotTerminated() throws InferenceException;
}
