package dev.veil.enclave.inference;

import dev.veil.protocol.contract.DatasetFit;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.npz.Npz;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * A batch session over an .npz dataset: a model of named inputs fed the rows (first axis) of every array together,
 * in batches, and every output given back by name as an .npz (output policy {@code npz}).
 *
 * <p>Held whole, by design, within stated bounds. A zip's entries follow one another, so a stream reaches the first
 * row of the last array only after every row of the others: streaming row by row would need the other arrays spooled
 * to disk (encrypted) first. Here the dataset is instead read whole, up to {@link DatasetFit#MAX_NPZ_BYTES} as a
 * file and once inflated (the data provider's own check refuses a larger one before its key moves), parsed strictly
 * ({@link Npz}), checked against the contract's signature, and fed in batches cut from it. The outputs are gathered
 * into one array per output of exactly rows × row size, refused as soon as the first batch shows they would pass
 * {@link #MAX_OUTPUT_BYTES}, and written to the sink (the encrypted spool) as an .npz at the end. Memory is thus at
 * most the arrays and their file while it is parsed (64 MiB each), the outputs (128 MiB) and one batch, whatever the
 * dataset. CSV and .npy datasets stream through {@link BatchPipeline} at any size.
 *
 * <p>Every output must hold one row per input row along its first axis, with the same shape across batches: a model
 * whose output count could follow the data is refused, and the output's size depends only on the row count and the
 * model. The contract's row limit is enforced before the model runs, its time limit by terminating ONNX Runtime.
 */
public final class NpzBatch {
    /** The most the outputs may take together: they are held until the last batch is in. */
    public static final long MAX_OUTPUT_BYTES = 128L << 20;

    private NpzBatch() {
    }

    /**
     * Runs the .npz dataset of {@code plaintextSize} bytes read from {@code plaintext}, writes the outputs' .npz to
     * {@code sink}, and returns the row count and the output's length.
     *
     * @param end checks that the dataset's stream ends (verified) right after its last byte
     * @param maxBatchRows the most rows per ONNX Runtime call
     * @param bytesPerBatch input bytes per call for a model with a free batch dimension
     * @param maxRows the contract's row limit
     * @param timeLimit what is left of the contract's time limit
     */
    public static BatchPipeline.Outcome run(InputStream plaintext, long plaintextSize, BatchPipeline.EndCheck end, ModelRunner runner,
                                            OutputPolicy policy, OutputStream sink, int maxBatchRows, long bytesPerBatch,
                                            long maxRows, Duration timeLimit)
            throws InferenceException, IOException, TensorFormatException {
        String outputProblem = DatasetFit.outputProblem(policy, true);
        if (outputProblem != null) {
            throw new InferenceException(FailureCode.DATASET_INVALID, outputProblem);
        }
        ScheduledFuture<?> timer = runner.terminateAfter(timeLimit.isNegative() ? Duration.ZERO : timeLimit);
        NamedTensors arrays;
        try {
            arrays = read(plaintext, plaintextSize, end);
        } catch (InferenceException | IOException | TensorFormatException | RuntimeException e) {
            timer.cancel(false);
            throw e;
        }
        Outputs outputs = null;
        try {
            runner.requireNotTerminated();   // the upload took the time the contract allows
            List<DatasetFit.Given> given = new ArrayList<>();
            for (Tensor t : arrays.tensors()) {
                given.add(new DatasetFit.Given(t.name(), OrtTensors.valueType(t.type()), t.shape()));
            }
            String problem = DatasetFit.batchProblem(runner.signature(), given);
            if (problem != null) {
                throw new InferenceException(FailureCode.DATASET_INVALID, problem);
            }
            long rows = arrays.tensors().get(0).dim(0);
            if (rows > maxRows) {
                throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the dataset has " + rows + " rows but the contract"
                        + " allows limits.max_rows = " + maxRows + "; split the dataset or agree a higher limit");
            }
            if (rows == 0) {
                throw new InferenceException(FailureCode.DATASET_INVALID, "the dataset's arrays hold no rows");
            }
            long batch = batchRows(runner, arrays, rows, maxBatchRows, bytesPerBatch);
            outputs = new Outputs(rows);
            for (long from = 0; from < rows; from += batch) {
                long to = Math.min(rows, from + batch);
                List<Tensor> part = new ArrayList<>(arrays.size());
                for (Tensor t : arrays.tensors()) {
                    part.add(t.rows(from, to));
                }
                NamedTensors in = new NamedTensors(part);
                NamedTensors out;
                try {
                    out = runner.run(in);
                } finally {
                    in.wipe();
                }
                try {
                    outputs.add(out, from, to);
                } finally {
                    out.wipe();
                }
            }
            NamedTensors all = outputs.all();
            long length = Npz.length(all);
            Npz.write(all, sink);
            return new BatchPipeline.Outcome(rows, new OutputEncoder.Encoded(new byte[0], length, rows, (int) length, 0));
        } finally {
            timer.cancel(false);
            arrays.wipe();
            if (outputs != null) {
                outputs.wipe();
            }
        }
    }

    /** The dataset's bytes, parsed; the bytes are zeroed. */
    private static NamedTensors read(InputStream plaintext, long size, BatchPipeline.EndCheck end)
            throws InferenceException, IOException, TensorFormatException {
        if (size > DatasetFit.MAX_NPZ_BYTES) {
            throw new InferenceException(FailureCode.DATASET_INVALID, "the .npz dataset is " + size + " bytes; a batch session"
                    + " takes an .npz of at most " + DatasetFit.MAX_NPZ_BYTES + " bytes (CSV and .npy of any size stream)");
        }
        byte[] bytes = plaintext.readNBytes((int) size);
        try {
            if (bytes.length != size) {
                throw new TensorFormatException("the dataset ends after " + bytes.length + " of its " + size + " bytes");
            }
            end.requireEnd();
            return Npz.read(bytes, DatasetFit.MAX_NPZ_BYTES);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** The model's fixed batch size (the dataset must hold a multiple of it), else as many rows as fit the budget. */
    private static long batchRows(ModelRunner runner, NamedTensors arrays, long rows, int maxBatchRows, long bytesPerBatch)
            throws InferenceException {
        ValueSignature first = runner.signature().inputs().get(0);
        if (first.shape() != null && !first.shape().isEmpty() && first.shape().get(0) instanceof Dim.Fixed f) {
            if (f.size() < 1 || rows % f.size() != 0) {
                throw new InferenceException(FailureCode.DATASET_INVALID, "the model takes batches of exactly " + f.size()
                        + " rows but the dataset has " + rows + "; give it a multiple of " + f.size() + " rows");
            }
            return f.size();
        }
        long rowBytes = 0;
        for (Tensor t : arrays.tensors()) {
            rowBytes += t.data().length / rows;
        }
        return Math.max(1, Math.min(maxBatchRows, bytesPerBatch / Math.max(1, rowBytes)));
    }

    /** The outputs of every batch, each copied into its place in one array per output. */
    private static final class Outputs {
        private final long rows;
        private final List<String> names = new ArrayList<>();
        private final List<ElementType> types = new ArrayList<>();
        private final List<long[]> shapes = new ArrayList<>();
        private final List<byte[]> data = new ArrayList<>();

        Outputs(long rows) {
            this.rows = rows;
        }

        void add(NamedTensors out, long from, long to) throws InferenceException {
            long batch = to - from;
            if (names.isEmpty()) {
                first(out, batch);
            }
            if (!out.names().equals(names)) {
                throw new InferenceException(FailureCode.INFERENCE_FAILED, "the model's outputs changed between batches");
            }
            for (int i = 0; i < names.size(); i++) {
                Tensor t = out.tensors().get(i);
                long[] expected = shapes.get(i).clone();
                expected[0] = batch;
                if (t.type() != types.get(i) || !Arrays.equals(t.shape(), expected)) {
                    throw new InferenceException(FailureCode.INFERENCE_FAILED, "model output '" + Tensor.printable(t.name())
                            + "' is " + t.type().id() + " " + Arrays.toString(t.shape()) + " for a batch of " + batch
                            + " rows; npz needs " + Arrays.toString(expected) + ", one row per input row");
                }
                int rowBytes = t.data().length / (int) batch;
                System.arraycopy(t.data(), 0, data.get(i), Math.toIntExact(from * rowBytes), t.data().length);
            }
        }

        /** Sizes every output from the first batch, refusing outputs that would pass {@link #MAX_OUTPUT_BYTES}. */
        private void first(NamedTensors out, long batch) throws InferenceException {
            if (out.size() == 0) {
                throw new InferenceException(FailureCode.INFERENCE_FAILED, "the model gave no tensor output");
            }
            long total = 0;
            for (Tensor t : out.tensors()) {
                if (t.rank() == 0 || t.dim(0) != batch) {
                    throw new InferenceException(FailureCode.INFERENCE_FAILED, "model output '" + Tensor.printable(t.name())
                            + "' is " + t.type().id() + " " + Arrays.toString(t.shape()) + " for a batch of " + batch
                            + " rows; npz needs one row per input row along the first axis");
                }
                total += t.data().length / batch * rows;
            }
            if (total > MAX_OUTPUT_BYTES) {
                throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the outputs of " + rows + " rows would take " + total
                        + " bytes; a batch session over an .npz returns at most " + MAX_OUTPUT_BYTES + " bytes: send fewer rows");
            }
            for (Tensor t : out.tensors()) {
                long[] shape = t.shape();
                shape[0] = rows;
                names.add(t.name());
                types.add(t.type());
                shapes.add(shape);
                data.add(new byte[(int) (t.data().length / batch * rows)]);
            }
        }

        NamedTensors all() {
            List<Tensor> tensors = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                tensors.add(new Tensor(names.get(i), types.get(i), shapes.get(i), data.get(i)));
            }
            return new NamedTensors(tensors);
        }

        void wipe() {
            data.forEach(d -> Arrays.fill(d, (byte) 0));
        }
    }
}
