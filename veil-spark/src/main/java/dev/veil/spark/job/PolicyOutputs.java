package dev.veil.spark.job;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.inference.OutputEncoder;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Npy;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The contract's output policy applied to one model run on an executor, by the batch session's own
 * {@link OutputEncoder}: {@code npz} keeps every output; {@code scores} the first output tensor ({@value #SCORES});
 * {@code labels} one class index per row ({@value #LABEL}: the model's int64 output, or the argmax of its first float
 * output); {@code top_k} the k best classes ({@value #CLASS}) and their scores ({@value #SCORE}). The encoder's text
 * (or .npy) is read back into tensors of one row per input row, so that results stay cells of named tensors; the
 * encoder refuses a model that gives another number of rows, as in the batch session.
 */
final class PolicyOutputs {
    static final String SCORES = "scores";
    static final String LABEL = "label";
    static final String CLASS = "class";
    static final String SCORE = "score";

    private PolicyOutputs() {
    }

    /** What the data provider may receive of {@code outputs}, the model's answer to {@code rows} input rows. */
    static NamedTensors apply(OutputPolicy policy, NamedTensors outputs, int rows) throws InferenceException {
        if (policy.kind().equals(OutputPolicy.NPZ)) {
            return outputs;
        }
        ModelRunner.BatchOutput batch = batchOutput(outputs);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        byte[] encoded;
        try {
            OutputEncoder encoder = OutputEncoder.forPolicy(policy, sink, rows);
            encoder.accept(batch, rows);
            try (InputStream in = encoder.finish().output(new ByteArrayInputStream(sink.toByteArray()))) {
                encoded = in.readAllBytes();
            }
        } catch (IOException e) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "the output policy's encoding failed");
        }
        try {
            return switch (policy.kind()) {
                case OutputPolicy.SCORES -> scores(encoded);
                case OutputPolicy.LABELS -> labels(encoded, rows);
                default -> topK(encoded, rows);
            };
        } catch (NumberFormatException e) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "the output policy's text did not parse");
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    /** The run's outputs as the batch session's encoder takes them: float32 as they are, int64 with float copies. */
    private static ModelRunner.BatchOutput batchOutput(NamedTensors outputs) throws InferenceException {
        List<FloatTensor> floats = new ArrayList<>();
        List<long[]> longs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Tensor t : outputs.tensors()) {
            if (t.type() == ElementType.FLOAT32) {
                floats.add(new FloatTensor(t.shape(), t.floats()));
                longs.add(null);
            } else if (t.type() == ElementType.INT64) {
                long[] v = t.longs();
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = v[i];
                }
                floats.add(new FloatTensor(t.shape(), f));
                longs.add(v);
            } else {
                continue;   // as the batch session's runner: only float32 and int64 outputs are labelled or ranked
            }
            names.add(t.name());
        }
        if (floats.isEmpty()) {
            throw new InferenceException(FailureCode.INFERENCE_FAILED, "model produced no float32 or int64 tensor output");
        }
        return new ModelRunner.BatchOutput(floats, longs, names);
    }

    private static NamedTensors scores(byte[] npy) throws InferenceException {
        try {
            FloatTensor t = Npy.read(npy);
            return NamedTensors.of(Tensor.ofFloats(SCORES, t.shape(), t.values()));
        } catch (TensorFormatException e) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "the scores did not encode");
        }
    }

    private static NamedTensors labels(byte[] text, int rows) throws InferenceException {
        String[] lines = lines(text, rows);
        long[] labels = new long[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = Long.parseLong(lines[r]);
        }
        return NamedTensors.of(Tensor.ofLongs(LABEL, new long[] {rows}, labels));
    }

    private static NamedTensors topK(byte[] text, int rows) throws InferenceException {
        String[] lines = lines(text, rows);
        int k = lines[0].split(",", -1).length;
        long[] classes = new long[rows * k];
        float[] scores = new float[rows * k];
        for (int r = 0; r < rows; r++) {
            String[] entries = lines[r].split(",", -1);
            if (entries.length != k) {
                throw new InferenceException(FailureCode.INTERNAL_ERROR, "the top_k rows did not encode alike");
            }
            for (int j = 0; j < k; j++) {
                String[] pair = entries[j].split(":", -1);
                if (pair.length != 2) {
                    throw new InferenceException(FailureCode.INTERNAL_ERROR, "the top_k rows did not encode");
                }
                classes[r * k + j] = Long.parseLong(pair[0]);
                scores[r * k + j] = Float.parseFloat(pair[1]);
            }
        }
        return new NamedTensors(List.of(Tensor.ofLongs(CLASS, new long[] {rows, k}, classes),
                Tensor.ofFloats(SCORE, new long[] {rows, k}, scores)));
    }

    private static String[] lines(byte[] text, int rows) throws InferenceException {
        String s = new String(text, StandardCharsets.US_ASCII);
        String[] lines = s.split("\n", -1);
        // the encoder ends every row's line with a newline, and checked there is one per input row
        if (lines.length != rows + 1 || !lines[rows].isEmpty()) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "the output policy's lines do not match the rows");
        }
        return lines;
    }
}
