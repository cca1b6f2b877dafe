package dev.veil.enclave.inference;

import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Npy;
import dev.veil.tensor.NumericCsv;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Applies the contract's output policy to raw model outputs. {@code labels}: the model's int64 output if it has
 * one, otherwise the argmax of its first float output, as CSV. {@code top_k}: the k highest scores of the first
 * float output as "class:score" CSV. {@code scores}: the first output tensor as .npy.
 *
 * <p>{@code labels} and {@code top_k} give exactly one line per input row (a model that gives another count is
 * refused: a hostile model could choose it from the data), and {@link Encoded#paddedLength()} is the longest text
 * that many rows could take, the row count first rounded up to a power of two: the sealed results' size depends only
 * on the output policy and the power-of-two bucket of the input's row count (which the host can estimate from the
 * upload's size anyway).
 * {@code scores} is the model's own tensor, whose shape the model decides: its size is not padded (docs/THREAT-MODEL.md).
 */
public final class OutputEncoder {
    private OutputEncoder() {
    }

    /** The longest label line: a signed 64-bit integer and a newline. */
    static final int LABEL_LINE_BYTES = 20 + 1;
    /** The longest top_k entry: a class index (int), ':', a float as Float.toString writes it (at most 15), ',' or newline. */
    static final int TOP_K_ENTRY_BYTES = 10 + 1 + 15 + 1;

    /** The encoded output, its row count, and the length to pad it to inside the seal. */
    public record Encoded(byte[] bytes, long rows, int paddedLength) {
    }

    public static Encoded encode(OutputPolicy policy, List<ModelRunner.BatchOutput> batches, long inputRows) throws InferenceException {
        Encoded e = switch (policy.kind()) {
            case OutputPolicy.LABELS -> labels(batches);
            case OutputPolicy.TOP_K -> topK(batches, policy.k());
            case OutputPolicy.SCORES -> scores(batches);
            default -> throw new InferenceException(FailureCode.INFERENCE_FAILED, "unknown output policy " + policy.kind());
        };
        if (!OutputPolicy.SCORES.equals(policy.kind()) && e.rows() != inputRows) {
            throw new InferenceException(FailureCode.INFERENCE_FAILED, "the model gave " + e.rows() + " " + policy.kind()
                    + " lines for " + inputRows + " input rows; " + policy.kind() + " needs one per row");
        }
        if (e.bytes().length > e.paddedLength()) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "encoded output is longer than its padded length");
        }
        return e;
    }

    private static int padded(long rows, long bytesPerRow) throws InferenceException {
        long bucket = rows <= 1 ? 1 : Long.highestOneBit(rows - 1) << 1;
        long n = bucket > Integer.MAX_VALUE ? Long.MAX_VALUE : bucket * bytesPerRow;
        if (n > Integer.MAX_VALUE - 64) {
            throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the output is too large to seal");
        }
        return (int) n;
    }

    private static Encoded labels(List<ModelRunner.BatchOutput> batches) throws InferenceException {
        List<Long> labels = new ArrayList<>();
        for (ModelRunner.BatchOutput b : batches) {
            int intOutput = firstInt64(b);
            if (intOutput >= 0) {
                FloatTensor t = b.floats().get(intOutput);
                if (t.shape().length > 2 || (t.shape().length == 2 && t.shape()[1] != 1)) {
                    throw new InferenceException(FailureCode.INFERENCE_FAILED, "model's int64 output '" + b.names().get(intOutput) + "' has shape "
                            + Arrays.toString(t.shape()) + "; labels need one value per row");
                }
                for (long v : b.int64s().get(intOutput)) {
                    labels.add(v);
                }
            } else {
                FloatTensor scores = scoresOf(b);
                int classes = scores.rowSize();
                float[] v = scores.values();
                for (int r = 0; r < scores.rows(); r++) {
                    int best = 0;
                    for (int c = 1; c < classes; c++) {
                        if (v[r * classes + c] > v[r * classes + best]) {
                            best = c;
                        }
                    }
                    labels.add((long) best);
                }
            }
        }
        long[] out = labels.stream().mapToLong(Long::longValue).toArray();
        return new Encoded(NumericCsv.writeLabels(out), out.length, padded(out.length, LABEL_LINE_BYTES));
    }

    private static Encoded topK(List<ModelRunner.BatchOutput> batches, int k) throws InferenceException {
        StringBuilder sb = new StringBuilder();
        long rows = 0;
        for (ModelRunner.BatchOutput b : batches) {
            FloatTensor scores = scoresOf(b);
            int classes = scores.rowSize();
            float[] v = scores.values();
            for (int r = 0; r < scores.rows(); r++) {
                final int row = r;
                Integer[] idx = new Integer[classes];
                for (int c = 0; c < classes; c++) {
                    idx[c] = c;
                }
                Arrays.sort(idx, (a, c) -> Float.compare(v[row * classes + c], v[row * classes + a]));
                for (int j = 0; j < Math.min(k, classes); j++) {
                    sb.append(j > 0 ? "," : "").append(idx[j]).append(':').append(v[row * classes + idx[j]]);
                }
                sb.append('\n');
                rows++;
            }
        }
        return new Encoded(sb.toString().getBytes(StandardCharsets.US_ASCII), rows, padded(rows, (long) k * TOP_K_ENTRY_BYTES));
    }

    private static Encoded scores(List<ModelRunner.BatchOutput> batches) {
        List<FloatTensor> parts = batches.stream().map(OutputEncoder::primary).toList();
        long[] shape = parts.get(0).shape();
        FloatTensor all = FloatTensor.concatRows(parts, Arrays.copyOfRange(shape, 1, shape.length));
        byte[] npy = Npy.writeFloat32(all);
        return new Encoded(npy, all.rows(), npy.length);
    }

    /** The first float output, or the first output if all are int64. */
    private static FloatTensor primary(ModelRunner.BatchOutput b) {
        for (int i = 0; i < b.floats().size(); i++) {
            if (b.int64s().get(i) == null) {
                return b.floats().get(i);
            }
        }
        return b.floats().get(0);
    }

    private static FloatTensor scoresOf(ModelRunner.BatchOutput b) throws InferenceException {
        for (int i = 0; i < b.floats().size(); i++) {
            if (b.int64s().get(i) == null) {
                FloatTensor t = b.floats().get(i);
                if (t.shape().length != 2) {
                    throw new InferenceException(FailureCode.INFERENCE_FAILED, "model output '" + b.names().get(i) + "' has shape " + Arrays.toString(t.shape())
                            + "; labels and top_k need a [rows, classes] score output (use output kind 'scores' instead)");
                }
                return t;
            }
        }
        throw new InferenceException(FailureCode.INFERENCE_FAILED, "model has no float score output to rank");
    }

    private static int firstInt64(ModelRunner.BatchOutput b) {
        for (int i = 0; i < b.int64s().size(); i++) {
            if (b.int64s().get(i) != null) {
                return i;
            }
        }
        return -1;
    }
}
