package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Npy;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.stream.RowReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class BatchPipelineTest {
    private static final int ROW = 3 * 48 * 192;

    /** n rows of the OCR classifier's input shape, [3, 48, 192], with smoothly varying values. */
    static FloatTensor rows(int n) {
        float[] v = new float[n * ROW];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i * 0.001);
        }
        return new FloatTensor(new long[] {n, 3, 48, 192}, v);
    }

    @Test
    void streamedBatchesGiveTheSameScoresAsOneCallInInputOrder() throws Exception {
        FloatTensor input = rows(7);
        try (ModelRunner r = new ModelRunner(ModelRunnerTest.model(), Signatures.of(ModelRunnerTest.model()), 1)) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            OutputEncoder encoder = OutputEncoder.forPolicy(OutputPolicy.scores(), body, 3);
            BatchPipeline.Outcome o = BatchPipeline.run(new TensorRowReader(input), () -> { }, r, encoder, 3, 7, Duration.ofMinutes(5), () -> { });
            assertThat(o.inputRows()).isEqualTo(7);
            FloatTensor streamed = Npy.read(o.output().output(new java.io.ByteArrayInputStream(body.toByteArray())).readAllBytes());
            FloatTensor oneCall = r.runBatch(input).floats().get(0);
            assertThat(streamed.shape()).containsExactly(7, 2);
            assertThat(streamed.values()).containsExactly(oneCall.values());
        }
    }

    /**
     * Each call brings back only the output the policy encodes (the int64 labels for labels, the scores for scores and
     * top_k), and the encoded result is the one every output would have given, in input order.
     */
    @Test
    void onlyTheOutputThePolicyEncodesComesBackAndEncodesAsEveryOutputWould() throws Exception {
        byte[] model = TypedModels.scoresAndLabels();
        float[] v = new float[10 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i * 0.7);
        }
        FloatTensor input = new FloatTensor(new long[] {10, 3}, v);
        try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1)) {
            assertThat(r.rowOutputTypes()).containsExactly(dev.veil.tensor.ElementType.FLOAT32, dev.veil.tensor.ElementType.INT64);
            for (OutputPolicy policy : java.util.List.of(OutputPolicy.labels(), OutputPolicy.scores(), OutputPolicy.topK(2))) {
                java.util.List<String> seen = new java.util.ArrayList<>();
                RowModel watched = new RowModel() {
                    @Override
                    public java.util.List<dev.veil.tensor.ElementType> rowOutputTypes() {
                        return r.rowOutputTypes();
                    }

                    @Override
                    public void runBatches(long[] shape, float[] values, int rowsPerCall, int rowOutput, ModelRunner.BatchSink sink)
                            throws InferenceException, IOException {
                        r.runBatches(shape, values, rowsPerCall, rowOutput, (out, rows) -> {
                            seen.addAll(out.names());
                            sink.accept(out, rows);
                        });
                    }

                    @Override
                    public java.util.concurrent.ScheduledFuture<?> terminateAfter(Duration limit) {
                        return r.terminateAfter(limit);
                    }

                    @Override
                    public void requireNotTerminated() throws InferenceException {
                        r.requireNotTerminated();
                    }
                };
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                OutputEncoder encoder = OutputEncoder.forPolicy(policy, body, 4);
                BatchPipeline.Outcome o = BatchPipeline.run(new TensorRowReader(input), () -> { }, watched, encoder, 4, 10,
                        Duration.ofMinutes(5), () -> { });
                byte[] streamed = o.output().output(new java.io.ByteArrayInputStream(body.toByteArray())).readAllBytes();
                byte[] everyOutput = Encoding.encode(policy, Encoding.runAll(r, input, 4), 4, 4, 2).bytes();
                assertThat(streamed).as(policy.kind()).isEqualTo(everyOutput);
                assertThat(seen).as(policy.kind()).containsOnly(policy.kind().equals(OutputPolicy.LABELS) ? "c" : "y").hasSize(3);
            }
        }
    }

    @Test
    void datasetWithMoreRowsThanTheContractAllowsStopsWhileStreaming() throws Exception {
        try (ModelRunner r = new ModelRunner(ModelRunnerTest.model(), Signatures.of(ModelRunnerTest.model()), 1)) {
            OutputEncoder encoder = OutputEncoder.forPolicy(OutputPolicy.labels(), new ByteArrayOutputStream(), 2);
            assertThatThrownBy(() -> BatchPipeline.run(new TensorRowReader(rows(7)), () -> { }, r, encoder, 2, 5, Duration.ofMinutes(5), () -> { }))
                    .isInstanceOf(InferenceException.class).hasMessageContaining("limits.max_rows = 5")
                    .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(FailureCode.LIMIT_EXCEEDED));
        }
    }

    /**
     * The reader reads ahead while the model loads: here the model becomes ready only once every row was read (the
     * three rows fit one buffer), and the result is still every row's, in input order.
     */
    @Test
    void readerReadsAheadWhileTheModelLoads() throws Exception {
        FloatTensor input = rows(3);
        CountDownLatch allRead = new CountDownLatch(1);
        RowReader reader = new TensorRowReader(input) {
            @Override
            public int read(float[] dst, int maxRows) throws IOException, TensorFormatException {
                int n = super.read(dst, maxRows);
                if (rowsRead() == 3) {
                    allRead.countDown();
                }
                return n;
            }
        };
        try (ModelRunner r = new ModelRunner(ModelRunnerTest.model(), Signatures.of(ModelRunnerTest.model()), 1)) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            OutputEncoder encoder = OutputEncoder.forPolicy(OutputPolicy.scores(), body, 1);
            BatchPipeline.Outcome o = BatchPipeline.run(reader, () -> { }, () -> {
                try {
                    assertThat(allRead.await(60, java.util.concurrent.TimeUnit.SECONDS)).as("every row was read before the model was ready").isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return r;
            }, encoder, 1, 3, Duration.ofMinutes(5), () -> { });
            FloatTensor streamed = Npy.read(o.output().output(new java.io.ByteArrayInputStream(body.toByteArray())).readAllBytes());
            assertThat(streamed.values()).containsExactly(r.runBatch(input).floats().get(0).values());
        }
    }

    /**
     * A model that fails to load fails the run with its own failure, even when the reader, reading ahead meanwhile,
     * had already found a bad row: the outcome is the one it was when the model loaded before any row was read.
     */
    @Test
    void modelThatFailsToLoadFailsTheRunWhateverTheReaderFoundMeanwhile() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        RowReader bad = new TensorRowReader(rows(2)) {
            @Override
            public int read(float[] dst, int maxRows) throws TensorFormatException {
                failed.countDown();
                throw new TensorFormatException("CSV line 2 column 1 is 'x', expected a number");
            }
        };
        assertThatThrownBy(() -> BatchPipeline.run(bad, () -> { }, () -> {
            try {
                failed.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            throw new InferenceException(FailureCode.MODEL_INVALID, "model is not a loadable ONNX model (ONNX Runtime refused it)");
        }, OutputEncoder.forPolicy(OutputPolicy.labels(), new ByteArrayOutputStream(), 2), 2, 100, Duration.ofMinutes(5), () -> { }))
                .isInstanceOf(InferenceException.class)
                .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(FailureCode.MODEL_INVALID));
    }

    @Test
    void badRowMidStreamEndsTheRunWithTheReadersError() throws Exception {
        RowReader failing = new TensorRowReader(rows(4)) {
            @Override
            public int read(float[] dst, int maxRows) throws IOException, TensorFormatException {
                if (rowsRead() >= 2) {
                    throw new IllegalStateException("never");
                }
                return super.read(dst, maxRows);
            }
        };
        RowReader badSecondBatch = new TensorRowReader(rows(4)) {
            @Override
            public int read(float[] dst, int maxRows) throws IOException, TensorFormatException {
                if (rowsRead() >= 2) {
                    throw new TensorFormatException("CSV line 3 column 1 is 'x', expected a number");
                }
                return super.read(dst, maxRows);
            }
        };
        try (ModelRunner r = new ModelRunner(ModelRunnerTest.model(), Signatures.of(ModelRunnerTest.model()), 1)) {
            assertThatThrownBy(() -> BatchPipeline.run(badSecondBatch, () -> { }, r,
                    OutputEncoder.forPolicy(OutputPolicy.labels(), new ByteArrayOutputStream(), 2), 2, 100, Duration.ofMinutes(5), () -> { }))
                    .isInstanceOf(TensorFormatException.class).hasMessageContaining("line 3");
            assertThatThrownBy(() -> BatchPipeline.run(failing, () -> { }, r,
                    OutputEncoder.forPolicy(OutputPolicy.labels(), new ByteArrayOutputStream(), 2), 2, 100, Duration.ofMinutes(5), () -> { }))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void sealedStreamThatDoesNotEndCleanlyFailsTheRunAfterTheLastRow() throws Exception {
        try (ModelRunner r = new ModelRunner(ModelRunnerTest.model(), Signatures.of(ModelRunnerTest.model()), 1)) {
            assertThatThrownBy(() -> BatchPipeline.run(new TensorRowReader(rows(2)), () -> {
                throw new IOException("sealed dataset is truncated");
            }, r, OutputEncoder.forPolicy(OutputPolicy.labels(), new ByteArrayOutputStream(), 2), 2, 100, Duration.ofMinutes(5), () -> { }))
                    .isInstanceOf(IOException.class).hasMessageContaining("truncated");
        }
    }

    @Test
    void stalledUploadDoesNotOutliveTheContractsTimeLimit() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        RowReader stalls = new TensorRowReader(rows(4)) {
            @Override
            public int read(float[] dst, int maxRows) throws IOException, TensorFormatException {
                if (rowsRead() >= 2) {
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return 0;
                    }
                }
                return super.read(dst, maxRows);
            }
        };
        try (ModelRunner r = new ModelRunner(ModelRunnerTest.model(), Signatures.of(ModelRunnerTest.model()), 1)) {
            assertThatThrownBy(() -> BatchPipeline.run(stalls, () -> { }, r,
                    OutputEncoder.forPolicy(OutputPolicy.labels(), new ByteArrayOutputStream(), 2), 2, 100, Duration.ofSeconds(1), () -> { }))
                    .isInstanceOf(InferenceException.class)
                    .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(FailureCode.TIMEOUT));
        }
    }
}
