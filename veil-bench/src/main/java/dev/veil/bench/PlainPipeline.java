package dev.veil.bench;

import ai.onnxruntime.OrtException;
import dev.veil.enclave.inference.BatchPipeline;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.OutputEncoder;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.onnx.OnnxSignatureReader;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.stream.RowReader;
import dev.veil.tensor.stream.RowReaders;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The plaintext pipeline the batch benchmark compares against: the enclave's own streaming code (the same reader,
 * batching, ONNX Runtime session options and output encoding, batches chosen as the enclave's session chooses them)
 * on a plaintext file (the model loading while the reader reads ahead, as in the session), with no sealing,
 * attestation or sockets, and ONNX Runtime in this process
 * ({@link PlainOrtModel}), not in an inference worker: the baseline is plain ONNX Runtime, so the worker's cost (its
 * process start, the model's transfer, the pipe) counts against the enclave.
 */
final class PlainPipeline {
    private static final Executor LOADER = r -> {
        Thread t = new Thread(r, "plain-model-load");
        t.setDaemon(true);
        t.start();
    };
    /** Input bytes per ONNX Runtime call for a model with a free batch dimension, as the enclave's session uses. */
    static final long BATCH_INPUT_BYTES = 16L << 20;

    private PlainPipeline() {
    }

    /**
     * Loads the model, streams {@code data} through it and writes the encoded output to {@code sink}.
     * @param batchSize the enclave's configured rows per call (its --batch-size)
     * @param threads ONNX Runtime threads, 0 for one per core (as the enclave's default)
     * @return the rows run, so the work cannot be optimised away
     */
    static long run(byte[] model, Path data, OutputPolicy policy, int batchSize, int threads, Path scratch, OutputStream sink)
            throws Exception {
        // ONNX Runtime loads the model while the reader reads ahead, as the enclave's session has it.
        CompletableFuture<PlainOrtModel> loading = CompletableFuture.supplyAsync(() -> {
            try {
                return new PlainOrtModel(model, threads);
            } catch (OrtException e) {
                throw new CompletionException(e);
            }
        }, LOADER);
        try (InputStream in = new FileInputStream(data.toFile());
             RowReader reader = RowReaders.open(in)) {
            int batchRows = ModelRunner.batchRows(OnnxSignatureReader.read(model), batchSize, BATCH_INPUT_BYTES, reader.rowSize());
            OutputEncoder encoder = OutputEncoder.forPolicy(policy, sink, batchRows);
            BatchPipeline.Outcome out = BatchPipeline.run(reader, () -> requireEnd(in), () -> loading.join(), encoder, batchRows,
                    Long.MAX_VALUE, Duration.ofHours(1), () -> { });
            return out.inputRows();
        } finally {
            loading.join().close();
        }
    }

    private static void requireEnd(InputStream in) throws java.io.IOException, TensorFormatException {
        if (in.read() >= 0) {
            throw new TensorFormatException("the dataset holds bytes after its last row");
        }
    }
}
