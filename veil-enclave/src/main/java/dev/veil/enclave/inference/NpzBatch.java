package dev.veil.enclave.inference;

import dev.veil.protocol.contract.DatasetFit;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.seal.EncryptedSpool;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.npz.NpyArray;
import dev.veil.tensor.npz.Npz;
import dev.veil.tensor.npz.NpzStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.zip.CRC32;

/**
 * A batch session over an .npz dataset: a model of named inputs fed the rows (first axis) of every array together,
 * in batches, and every output given back by name as an .npz (output policy {@code npz}), in bounded memory at any
 * size.
 *
 * <p>A zip's entries follow one another, so a stream reaches the first row of its last array only after every row of
 * the others, and it reaches the zip directory, which says where the archive ends, only after all of them. So the
 * archive is read once, front to back ({@link NpzStream}), each array's data going to an {@link EncryptedSpool} of its
 * own (only ciphertext reaches the disk, under a key that never leaves memory); only once the whole archive was found
 * sound, and the dataset's sealed stream verified to its end, are the arrays checked against the contract's signature
 * and fed to the model, a batch of rows read from every spool at a time. Each output goes, batch by batch, to a spool
 * of its own, with its CRC-32 kept as it grows; once the last batch is in, the outputs are written as one .npz to the
 * sink (the encrypted output spool). Memory is a batch of every array and of every output plus the spools' buffers,
 * whatever the dataset's length; the host's disk holds the dataset and the outputs once more, encrypted.
 *
 * <p>Every output must hold one row per input row along its first axis, with the same shape in every batch: a model
 * whose output count could follow the data is refused, and the output's size depends only on the row count and the
 * model. The contract's row limit is enforced before the model runs, its time limit by terminating ONNX Runtime.
 */
public final class NpzBatch {
    private NpzBatch() {
    }

    /** Where the run's work goes, and its bounds. */
    public record Limits(Path spoolDir, int maxBatchRows, long bytesPerBatch, long maxRows, long maxInflatedBytes, Duration timeLimit) {
    }

    /**
     * Runs the .npz dataset read from {@code plaintext}, writes the outputs' .npz to {@code sink}, and returns the row
     * count and the output's length.
     *
     * @param end checks that the dataset's stream ends (verified) right after the archive's end record
     */
    public static BatchPipeline.Outcome run(InputStream plaintext, BatchPipeline.EndCheck end, ModelRunner runner,
                                            OutputPolicy policy, OutputStream sink, Limits limits)
            throws InferenceException, IOException, TensorFormatException {
        String outputProblem = DatasetFit.outputProblem(policy, true);
        if (outputProblem != null) {
            throw new InferenceException(FailureCode.DATASET_INVALID, outputProblem);
        }
        ScheduledFuture<?> timer = runner.terminateAfter(limits.timeLimit().isNegative() ? Duration.ZERO : limits.timeLimit());
        List<EncryptedSpool> spools = new ArrayList<>();
        try {
            List<NpzStream.Array> arrays = NpzStream.read(plaintext, limits.maxInflatedBytes(), array -> {
                EncryptedSpool spool = EncryptedSpool.create(limits.spoolDir());
                spools.add(spool);
                return new FilterOutputStream(spool.writer()) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        spool.finish();
                    }
                };
            });
            end.requireEnd();
            runner.requireNotTerminated();   // the upload took the time the contract allows
            long rows = checkFits(runner, arrays, limits.maxRows());
            long batch = batchRows(runner, arrays, rows, limits);
            Outputs outputs = new Outputs(rows, limits.spoolDir());
            try {
                feed(runner, arrays, spools, rows, batch, outputs);
                List<Npz.Entry> entries = outputs.entries();
                long length = Npz.length(entries);
                Npz.write(entries, sink);
                return new BatchPipeline.Outcome(rows, new OutputEncoder.Encoded(new byte[0], length, rows, (int) length, 0));
            } finally {
                outputs.close();
            }
        } finally {
            timer.cancel(false);
            closeAll(spools);
        }
    }

    /** Closes (deletes) every spool, even when one fails; the first failure is thrown. */
    private static void closeAll(List<EncryptedSpool> spools) throws IOException {
        IOException first = null;
        for (EncryptedSpool s : spools) {
            try {
                s.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The row count, once the arrays fit the contract's signature and row limit. */
    private static long checkFits(ModelRunner runner, List<NpzStream.Array> arrays, long maxRows) throws InferenceException {
        List<DatasetFit.Given> given = new ArrayList<>();
        for (NpzStream.Array a : arrays) {
            given.add(new DatasetFit.Given(a.name(), OrtTensors.valueType(a.type()), a.shape()));
        }
        String problem = DatasetFit.batchProblem(runner.signature(), given);
        if (problem != null) {
            throw new InferenceException(FailureCode.DATASET_INVALID, problem);
        }
        long rows = arrays.get(0).shape()[0];
        if (rows > maxRows) {
            throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the dataset has " + rows + " rows but the contract"
                    + " allows limits.max_rows = " + maxRows + "; split the dataset or agree a higher limit");
        }
        if (rows == 0) {
            throw new InferenceException(FailureCode.DATASET_INVALID, "the dataset's arrays hold no rows");
        }
        long rowBytes = 0;
        for (NpzStream.Array a : arrays) {
            rowBytes += a.dataBytes() / rows;
        }
        if (rowBytes > BatchPipeline.MAX_ROW_BYTES) {
            throw new InferenceException(FailureCode.DATASET_INVALID, "a row of the dataset's arrays takes " + rowBytes
                    + " bytes, more than the " + BatchPipeline.MAX_ROW_BYTES + " a row may take in the enclave; send smaller rows");
        }
        return rows;
    }

    /** Reads a batch of rows from every array's spool at a time, runs it, and hands the outputs on; zeroes every copy. */
    private static void feed(ModelRunner runner, List<NpzStream.Array> arrays, List<EncryptedSpool> spools, long rows, long batch,
                             Outputs outputs) throws IOException, InferenceException {
        List<InputStream> readers = new ArrayList<>();
        try {
            for (EncryptedSpool s : spools) {
                readers.add(s.open());
            }
            for (long from = 0; from < rows; from += batch) {
                long to = Math.min(rows, from + batch);
                List<Tensor> part = new ArrayList<>(arrays.size());
                try {
                    for (int i = 0; i < arrays.size(); i++) {
                        NpzStream.Array a = arrays.get(i);
                        long[] shape = a.shape();
                        int bytes = Math.toIntExact(a.dataBytes() / rows * (to - from));
                        byte[] data = new byte[bytes];
                        if (readers.get(i).readNBytes(data, 0, bytes) != bytes) {
                            throw new IOException("an array's spool ended early");
                        }
                        shape[0] = to - from;
                        part.add(new Tensor(a.name(), a.type(), shape, data));
                    }
                    NamedTensors out = runner.run(new NamedTensors(part));
                    try {
                        outputs.add(out, to - from);
                    } finally {
                        out.wipe();
                    }
                } finally {
                    part.forEach(Tensor::wipe);
                }
            }
            for (InputStream r : readers) {
                if (r.read() >= 0) {
                    throw new IOException("an array's spool holds more than its rows");   // and read to its verified end
                }
            }
        } finally {
            for (InputStream r : readers) {
                r.close();
            }
        }
    }

    /** The model's fixed batch size (the dataset must hold a multiple of it), else as many rows as fit the budget. */
    private static long batchRows(ModelRunner runner, List<NpzStream.Array> arrays, long rows, Limits limits) throws InferenceException {
        ValueSignature first = runner.signature().inputs().get(0);
        if (first.shape() != null && !first.shape().isEmpty() && first.shape().get(0) instanceof Dim.Fixed f) {
            if (f.size() < 1 || rows % f.size() != 0) {
                throw new InferenceException(FailureCode.DATASET_INVALID, "the model takes batches of exactly " + f.size()
                        + " rows but the dataset has " + rows + "; give it a multiple of " + f.size() + " rows");
            }
            return f.size();
        }
        long rowBytes = 0;
        for (NpzStream.Array a : arrays) {
            rowBytes += a.dataBytes() / rows;
        }
        return Math.max(1, Math.min(limits.maxBatchRows(), limits.bytesPerBatch() / Math.max(1, rowBytes)));
    }

    /** Every output, batch after batch, in a spool of its own, with the CRC-32 of its .npy header and data so far. */
    private static final class Outputs implements AutoCloseable {
        private final long rows;
        private final Path dir;
        private final List<String> names = new ArrayList<>();
        private final List<ElementType> types = new ArrayList<>();
        private final List<long[]> shapes = new ArrayList<>();
        private final List<CRC32> crcs = new ArrayList<>();
        private final List<EncryptedSpool> spools = new ArrayList<>();
        private final List<OutputStream> writers = new ArrayList<>();

        Outputs(long rows, Path dir) {
            this.rows = rows;
            this.dir = dir;
        }

        void add(NamedTensors out, long batch) throws InferenceException, IOException {
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
                crcs.get(i).update(t.data());
                writers.get(i).write(t.data());
            }
        }

        /** Sizes every output from the first batch, refusing outputs too large to seal. */
        private void first(NamedTensors out, long batch) throws InferenceException, IOException {
            if (out.size() == 0) {
                throw new InferenceException(FailureCode.INFERENCE_FAILED, "the model gave no tensor output");
            }
            List<Npz.Entry> sized = new ArrayList<>();
            for (Tensor t : out.tensors()) {
                if (t.rank() == 0 || t.dim(0) != batch) {
                    throw new InferenceException(FailureCode.INFERENCE_FAILED, "model output '" + Tensor.printable(t.name())
                            + "' is " + t.type().id() + " " + Arrays.toString(t.shape()) + " for a batch of " + batch
                            + " rows; npz needs one row per input row along the first axis");
                }
                long[] shape = t.shape();
                shape[0] = rows;
                sized.add(new Npz.Entry(t.name(), t.type(), shape, 0, null));
            }
            long length = Npz.length(sized);
            if (length > OutputEncoder.MAX_OUTPUT_BYTES) {
                throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the outputs of " + rows + " rows would take " + length
                        + " bytes as an .npz, more than the " + OutputEncoder.MAX_OUTPUT_BYTES + " sealed results hold; split the dataset");
            }
            for (Npz.Entry e : sized) {
                CRC32 crc = new CRC32();
                crc.update(NpyArray.header(e.type(), e.shape()));
                EncryptedSpool spool = EncryptedSpool.create(dir);
                spools.add(spool);
                names.add(e.name());
                types.add(e.type());
                shapes.add(e.shape());
                crcs.add(crc);
                writers.add(spool.writer());
            }
        }

        /** The outputs as .npz entries, each read from its spool; every spool finished. */
        List<Npz.Entry> entries() throws IOException {
            List<Npz.Entry> entries = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                EncryptedSpool spool = spools.get(i);
                spool.finish();
                entries.add(new Npz.Entry(names.get(i), types.get(i), shapes.get(i), (int) crcs.get(i).getValue(), spool::open));
            }
            return entries;
        }

        @Override
        public void close() throws IOException {
            closeAll(spools);
        }
    }
}
