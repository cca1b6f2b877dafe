package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.npz.Npz;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch over an .npz dataset: every output by name, rows in input order, the contract's limits, and refusals. */
class NpzBatchTest {
    private static final long BATCH_BYTES = 16L << 20;
    @TempDir
    Path spoolDir;

    @Test
    void miniLmOverTheSampleGivesPlainOnnxRuntimesOutputBitForBit() throws Exception {
        byte[] model = Files.readAllBytes(NamedTensorRunTest.minilm("all-minilm-l6-v2-q.onnx"));
        byte[] sample = Files.readAllBytes(NamedTensorRunTest.minilm("sample-8x128.npz"));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        BatchPipeline.Outcome outcome;
        try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 2)) {
            outcome = run(r, sample, sink, 64, 1000);
        }
        assertThat(outcome.inputRows()).isEqualTo(8);
        assertThat(outcome.output().length()).isEqualTo(sink.size());
        NamedTensors out = Npz.read(sink.toByteArray(), 1 << 30);
        Map<String, byte[]> plain = NamedTensorRunTest.plain(model, Npz.read(sample, 1 << 20));
        assertThat(out.names()).containsExactlyElementsOf(plain.keySet());
        assertThat(out.get("last_hidden_state").shape()).containsExactly(8, 128, 384);
        for (Tensor t : out.tensors()) {
            assertThat(t.data()).as(t.name()).isEqualTo(plain.get(t.name()));
        }
    }

    @Test
    void trailingBytesAfterTheArchiveAreRefused() throws Exception {
        byte[] dataset = twoInputsDataset(2, 2);
        byte[] longer = java.util.Arrays.copyOf(dataset, dataset.length + 1);
        try (ModelRunner r = new ModelRunner(TypedModels.twoInputs(), Signatures.of(TypedModels.twoInputs()), 1)) {
            assertThatThrownBy(() -> run(r, longer, new ByteArrayOutputStream(), 64, 100)).hasMessage("bytes after the end record");
        }
    }

    @Test
    void rowsCutIntoBatchesComeBackInInputOrder() throws Exception {
        int rows = 10;
        float[] a = new float[rows * 2];
        long[] b = new long[rows * 2];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * 0.5f;
            b[i] = 1000 + i;
        }
        byte[] dataset = Npz.write(NamedTensors.of(Tensor.ofFloats("a", new long[] {rows, 2}, a), Tensor.ofLongs("b", new long[] {rows, 2}, b)));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (ModelRunner r = new ModelRunner(TypedModels.twoInputs(), Signatures.of(TypedModels.twoInputs()), 1)) {
            assertThat(run(r, dataset, sink, 3, 1000).inputRows()).isEqualTo(rows);
        }
        NamedTensors out = Npz.read(sink.toByteArray(), 1 << 20);
        assertThat(out.names()).containsExactly("y", "c");
        assertThat(out.get("c").longs()).containsExactly(b);
        float[] y = out.get("y").floats();
        for (int i = 0; i < y.length; i++) {
            assertThat(y[i]).isEqualTo(a[i] + b[i]);
        }
    }

    @Test
    void moreRowsThanTheContractAllowsAreRefusedBeforeTheModelRuns() throws Exception {
        byte[] dataset = twoInputsDataset(6, 6);
        try (ModelRunner r = new ModelRunner(TypedModels.twoInputs(), Signatures.of(TypedModels.twoInputs()), 1)) {
            assertThatThrownBy(() -> run(r, dataset, new ByteArrayOutputStream(), 64, 5))
                    .hasMessage("the dataset has 6 rows but the contract allows limits.max_rows = 5; split the dataset or agree a higher limit")
                    .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(FailureCode.LIMIT_EXCEEDED));
        }
    }

    @Test
    void arraysOfDifferentRowCountsAreRefused() throws Exception {
        byte[] dataset = twoInputsDataset(4, 3);
        try (ModelRunner r = new ModelRunner(TypedModels.twoInputs(), Signatures.of(TypedModels.twoInputs()), 1)) {
            assertThatThrownBy(() -> run(r, dataset, new ByteArrayOutputStream(), 64, 100))
                    .hasMessageStartingWith("your arrays hold different numbers of rows: 'a' 4, 'b' 3");
        }
    }

    @Test
    void outputWithoutARowPerInputRowIsRefused() throws Exception {
        byte[] model = TypedModels.sumOfEverything();
        try (ModelRunner r = new ModelRunner(model, Signatures.of(model), 1)) {
            assertThatThrownBy(() -> run(r, twoInputsDataset(4, 4), new ByteArrayOutputStream(), 2, 100))
                    .hasMessage("model output 'y' is float32 [] for a batch of 2 rows; npz needs one row per input row along the first axis");
        }
    }

    @Test
    void contractWhoseOutputPolicyIsNotNpzIsRefused() throws Exception {
        try (ModelRunner r = new ModelRunner(TypedModels.twoInputs(), Signatures.of(TypedModels.twoInputs()), 1)) {
            byte[] dataset = twoInputsDataset(2, 2);
            assertThatThrownBy(() -> NpzBatch.run(new ByteArrayInputStream(dataset), () -> { }, r, OutputPolicy.scores(),
                    new ByteArrayOutputStream(), limits(64, 100, 1 << 20)))
                    .hasMessageStartingWith("your dataset is an .npz of named arrays, which gives every output by name, but the"
                            + " contract's output policy is scores");
        }
    }

    @Test
    void arraysInflatingPastTheEnclavesDatasetLimitAreRefusedBeforeTheyAre() throws Exception {
        byte[] dataset = twoInputsDataset(64, 64);   // entries of 640 and 1,152 bytes: the second passes the limit
        try (ModelRunner r = new ModelRunner(TypedModels.twoInputs(), Signatures.of(TypedModels.twoInputs()), 1)) {
            assertThatThrownBy(() -> NpzBatch.run(new ByteArrayInputStream(dataset), () -> { }, r, OutputPolicy.npz(),
                    new ByteArrayOutputStream(), limits(64, 100, 1000)))
                    .hasMessageStartingWith(".npz arrays take at least 1792 bytes once inflated, more than the limit of 1000");
        }
    }

    @Test
    void everyArrayIsSpooledEncryptedAndTheSpoolsAreGoneAfterTheRun() throws Exception {
        byte[] dataset = twoInputsDataset(50, 50);
        try (ModelRunner r = new ModelRunner(TypedModels.twoInputs(), Signatures.of(TypedModels.twoInputs()), 1)) {
            run(r, dataset, new ByteArrayOutputStream(), 7, 1000);
        }
        try (var files = Files.list(spoolDir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void rowsOfCsvOrNpyCannotAskForNpzOutput() {
        assertThatThrownBy(() -> OutputEncoder.forPolicy(OutputPolicy.npz(), new ByteArrayOutputStream(), 4))
                .hasMessageStartingWith("the contract's output policy npz gives every output by name for an .npz dataset");
    }

    private static byte[] twoInputsDataset(int rowsA, int rowsB) {
        return Npz.write(NamedTensors.of(Tensor.ofFloats("a", new long[] {rowsA, 2}, new float[rowsA * 2]),
                Tensor.ofLongs("b", new long[] {rowsB, 2}, new long[rowsB * 2])));
    }

    private BatchPipeline.Outcome run(ModelRunner r, byte[] dataset, ByteArrayOutputStream sink, int maxBatchRows, long maxRows)
            throws Exception {
        ByteArrayInputStream in = new ByteArrayInputStream(dataset);
        return NpzBatch.run(in, () -> {
            if (in.read() >= 0) {
                throw new TensorFormatException("bytes after the end record");
            }
        }, r, OutputPolicy.npz(), sink, limits(maxBatchRows, maxRows, 1 << 30));
    }

    private NpzBatch.Limits limits(int maxBatchRows, long maxRows, long maxInflated) {
        return new NpzBatch.Limits(spoolDir, maxBatchRows, BATCH_BYTES, maxRows, maxInflated, Duration.ofMinutes(1));
    }
}
